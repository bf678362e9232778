/**
 * Structured logs for the server: one JSON object a line on stderr (or a
 * readable line with LOG_FORMAT=pretty). A small writer rather than pino:
 * the server logs one line a request, and the one thing it must guarantee,
 * that no key ever reaches a log, is easiest to see in twenty lines: every
 * line is serialized here and every known secret is cut out of it.
 */
import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { LogFormat, LogLevel } from '../core/settings.js';
import { redactSecrets } from '../core/redact.js';

type Level = Exclude<LogLevel, 'silent'>;
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

/** The fields of the one line logged per request ("request"), in their order. */
export interface AccessEntry {
  requestId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  ip: string;
  /** The client closed the connection before the answer was complete. */
  aborted: boolean;
}

export interface Logger {
  log(level: Level, msg: string, fields?: LogFields, secrets?: readonly string[]): void;
  /** The access line for one request, at info level; `extra` fields (provider, code, ...) follow the fixed ones. */
  access(entry: AccessEntry, extra: LogFields | undefined, secrets: readonly string[]): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Writes out lines still batched (before the process exits). */
  flush(): void;
}

export interface LoggerOptions {
  level: LogLevel;
  format?: LogFormat;
  /** Where lines go; stderr by default. Tests pass an array's push. */
  sink?: (line: string) => void;
  /** Values never to print (configured keys); request keys are passed per line. */
  secrets?: readonly (string | undefined)[];
}

const REDACTED = '[redacted]';

/**
 * stderr to a file or /dev/null is written synchronously, one syscall a write;
 * under load that cost more than all the middleware together, and batching per
 * event-loop turn still left one write per request or two. Lines are gathered
 * and written when 16 KB are waiting or 100 ms have passed, whichever comes
 * first, and on exit, so a log line is at most 100 ms late and never lost on a
 * normal exit (serve also flushes when it closes).
 */
const FLUSH_BYTES = 16 * 1024;
const FLUSH_MS = 100;

/**
 * Whether fd 2 is a file (or /dev/null): Node then writes process.stderr
 * synchronously with fs.writeSync anyway (its SyncWriteStream, chosen for what
 * libuv calls a file: a regular file or a character device that is no TTY).
 */
function stderrIsFile(): boolean {
  try {
    const stat = fstatSync(2);
    return stat.isFile() || (stat.isCharacterDevice() && !isatty(2));
  } catch {
    return false;
  }
}

function batchedStderr(): { sink: (line: string) => void; flush: () => void } {
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  // To a file, each batch is written as text with fs.writeSync, as the stream would
  // do, but without the stream's machinery and the Buffer it makes of every batch.
  let direct = stderrIsFile();
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending === '') return;
    const text = pending;
    pending = '';
    if (direct) {
      try {
        writeSync(2, text);
        return;
      } catch {
        direct = false; // e.g. EAGAIN: the stream copes from now on
      }
    }
    process.stderr.write(text);
  };
  process.once('exit', flush);
  return {
    sink: (line) => {
      pending += `${line}\n`;
      if (pending.length >= FLUSH_BYTES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS).unref();
    },
    flush,
  };
}

let lastMs = 0;
let lastIso = '';

/** The ISO time, formatted once per millisecond: under load many lines share one. */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * One JSON object a line. Built by hand around JSON.stringify of the fields,
 * so the hot path (an access line per request) copies no object; the keys
 * `time`, `level`, `msg` come first, as log tools expect.
 */
function jsonLine(level: Level, msg: string, fields: LogFields): string {
  const rest = JSON.stringify(fields);
  const head = `{"time":"${isoNow()}","level":"${level}","msg":${JSON.stringify(msg)}`;
  return rest === '{}' ? `${head}}` : `${head},${rest.slice(1)}`;
}

/** Characters JSON.stringify escapes in a string (quote, backslash, controls, and surrogates, which it escapes when lone). */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A string as JSON. Most of the access line's values need no escaping (a UUID,
 * GET, /api/health, 127.0.0.1): those are quoted as they are, which spares a
 * call into JSON.stringify each; anything else goes through it.
 */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * The access line in JSON, written out field by field: it is logged for every
 * request, and building an object to stringify cost more than the rest of the
 * line. Same keys and order as `{...entry, ...extra, aborted?}` would give.
 */
function accessJson(e: AccessEntry, extra: LogFields | undefined): string {
  const rest = extra ? JSON.stringify(extra) : '{}';
  return (
    `{"time":"${isoNow()}","level":"info","msg":"request","requestId":${quote(e.requestId)}` +
    `,"method":${quote(e.method)},"path":${quote(e.path)},"status":${e.status}` +
    `,"durationMs":${e.durationMs},"ip":${quote(e.ip)}` +
    `${rest === '{}' ? '' : `,${rest.slice(1, -1)}`}${e.aborted ? ',"aborted":true' : ''}}`
  );
}

function accessFields(e: AccessEntry, extra: LogFields | undefined): LogFields {
  const { aborted, ...fields } = e;
  return { ...fields, ...extra, ...(aborted ? { aborted } : {}) };
}

function pretty(level: Level, msg: string, fields: LogFields): string {
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? ` ${rest}` : ''}`;
}

export function createLogger(options: LoggerOptions): Logger {
  const min = RANK[options.level];
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const batched = options.sink ? undefined : batchedStderr();
  const sink = options.sink ?? batched!.sink;
  const configured = options.secrets?.filter((s): s is string => typeof s === 'string' && s !== '') ?? [];

  const write = (line: string, secrets: readonly string[]) =>
    sink(redactSecrets(redactSecrets(line, configured, REDACTED), secrets, REDACTED));
  const log: Logger['log'] = (level, msg, fields = {}, secrets = []) => {
    if (RANK[level] < min) return;
    write(format === 'json' ? jsonLine(level, msg, fields) : pretty(level, msg, fields), secrets);
  };
  return {
    log,
    access: (entry, extra, secrets) => {
      if (RANK.info < min) return;
      write(format === 'json' ? accessJson(entry, extra) : pretty('info', 'request', accessFields(entry, extra)), secrets);
    },
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    flush: () => batched?.flush(),
  };
}
