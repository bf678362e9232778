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
  /** Where each line goes as it is logged (tests pass an array's push); otherwise lines are batched (`output`). */
  sink?: (line: string) => void;
  /** Where batches of whole lines go (each line ends in a newline); stderr by default. */
  output?: (text: string) => void;
  /** Values never to print (configured keys); request keys are passed per line. */
  secrets?: readonly (string | undefined)[];
}

const REDACTED = '[redacted]';

/**
 * stderr to a file or /dev/null is written synchronously, one syscall a write;
 * under load that cost more than all the middleware together, and batching per
 * event-loop turn still left one write per request or two. Lines are gathered
 * and written when about 16 KB are waiting or 100 ms have passed, whichever
 * comes first, and on exit, so a log line is at most 100 ms late and never
 * lost on a normal exit (serve also flushes when it closes).
 */
const FLUSH_BYTES = 16 * 1024;
const FLUSH_MS = 100;
/** What an access line is counted as until it is formatted (a health check's is about 220 bytes). */
const ACCESS_LINE_BYTES = 256;

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

/** Writes text to stderr: to a file with fs.writeSync as text (what the stream would do, without its machinery and a Buffer per batch). */
function stderrOutput(): (text: string) => void {
  let direct = stderrIsFile();
  return (text) => {
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
}

/**
 * The lines waiting for their batch to be written: formatted lines, and
 * access entries still to be formatted. An access line is logged for every
 * request, and formatted one at a time, between everything else a request
 * runs, it cost about three times what the same work costs done for the
 * whole batch in one loop when the batch is written (issue 15: the access
 * line was the largest part of GET /api/health's CPU above a bare server).
 * Each line keeps its place and the time it was logged; the text written is
 * the same.
 */
class LineBatch {
  /** Formatted lines (strings) and access lines as four slots: entry, extra fields, secrets, time (ms). */
  private queue: unknown[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly flushLater = () => this.flush();

  constructor(
    private readonly output: (text: string) => void,
    private readonly formatAccess: (entry: AccessEntry, extra: LogFields | undefined, secrets: readonly string[], ms: number) => string,
  ) {}

  line(line: string): void {
    this.queue.push(line);
    this.added(line.length + 1);
  }

  access(entry: AccessEntry, extra: LogFields | undefined, secrets: readonly string[]): void {
    this.queue.push(entry, extra, secrets, Date.now());
    this.added(ACCESS_LINE_BYTES);
  }

  private added(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(this.flushLater, FLUSH_MS).unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    this.bytes = 0;
    let text = '';
    for (let i = 0; i < queue.length; ) {
      const item = queue[i];
      if (typeof item === 'string') {
        text += `${item}\n`;
        i += 1;
      } else {
        text += `${this.formatAccess(item as AccessEntry, queue[i + 1] as LogFields | undefined, queue[i + 2] as readonly string[], queue[i + 3] as number)}\n`;
        i += 4;
      }
    }
    this.output(text);
  }
}

let lastMs = -1;
let lastIso = '';
let secondStart = -1;
/** `2026-11-30T13:45:12.` for secondStart. */
let secondPrefix = '';
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * `new Date(ms).toISOString()`, made once per second: V8 formats a date
 * through snprintf, several thousand instructions a call, and every access
 * line needs one. Within the second only the milliseconds change.
 */
export function isoTime(ms: number): string {
  if (ms === lastMs) return lastIso;
  const millis = ((ms % 1000) + 1000) % 1000;
  const second = ms - millis;
  if (second !== secondStart) {
    secondStart = second;
    secondPrefix = new Date(second).toISOString().slice(0, -4); // all but `mmmZ`
  }
  lastMs = ms;
  lastIso = `${secondPrefix}${MILLIS[millis]}Z`;
  return lastIso;
}

/**
 * One JSON object a line. Built by hand around JSON.stringify of the fields,
 * so the hot path (an access line per request) copies no object; the keys
 * `time`, `level`, `msg` come first, as log tools expect.
 */
function jsonLine(level: Level, msg: string, fields: LogFields): string {
  const rest = JSON.stringify(fields);
  const head = `{"time":"${isoTime(Date.now())}","level":"${level}","msg":${JSON.stringify(msg)}`;
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

/** quote() with the last answer kept: most access lines repeat the method, path and address of the one before. */
function lastQuoted(): (s: string) => string {
  let last = '';
  let quoted = '""';
  return (s) => {
    if (s !== last) {
      last = s;
      quoted = quote(s);
    }
    return quoted;
  };
}
const quoteMethod = lastQuoted();
const quotePath = lastQuoted();
const quoteIp = lastQuoted();

/**
 * The access line in JSON, written out field by field: it is logged for every
 * request, and building an object to stringify cost more than the rest of the
 * line. Same keys and order as `{...entry, ...extra, aborted?}` would give.
 */
function accessJson(e: AccessEntry, extra: LogFields | undefined, ms: number): string {
  const rest = extra ? JSON.stringify(extra) : '{}';
  return (
    `{"time":"${isoTime(ms)}","level":"info","msg":"request","requestId":${quote(e.requestId)}` +
    `,"method":${quoteMethod(e.method)},"path":${quotePath(e.path)},"status":${e.status}` +
    `,"durationMs":${e.durationMs},"ip":${quoteIp(e.ip)}` +
    `${rest === '{}' ? '' : `,${rest.slice(1, -1)}`}${e.aborted ? ',"aborted":true' : ''}}`
  );
}

function accessFields(e: AccessEntry, extra: LogFields | undefined): LogFields {
  const { aborted, ...fields } = e;
  return { ...fields, ...extra, ...(aborted ? { aborted } : {}) };
}

/** `ms`: when the line was logged (an access line is formatted later, at its batch's flush). */
function pretty(level: Level, msg: string, fields: LogFields, ms = Date.now()): string {
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${isoTime(ms)} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? ` ${rest}` : ''}`;
}

export function createLogger(options: LoggerOptions): Logger {
  const min = RANK[options.level];
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const configured = options.secrets?.filter((s): s is string => typeof s === 'string' && s !== '') ?? [];
  const redact = (line: string, secrets: readonly string[]) => redactSecrets(redactSecrets(line, configured, REDACTED), secrets, REDACTED);
  const accessLine = (entry: AccessEntry, extra: LogFields | undefined, secrets: readonly string[], ms: number) =>
    redact(format === 'json' ? accessJson(entry, extra, ms) : pretty('info', 'request', accessFields(entry, extra), ms), secrets);
  const { sink } = options;
  const batch = sink ? undefined : new LineBatch(options.output ?? stderrOutput(), accessLine);
  if (batch && !options.output) process.once('exit', () => batch.flush());

  const log: Logger['log'] = (level, msg, fields = {}, secrets = []) => {
    if (RANK[level] < min) return;
    const line = redact(format === 'json' ? jsonLine(level, msg, fields) : pretty(level, msg, fields), secrets);
    if (batch) batch.line(line);
    else sink!(line);
  };
  return {
    log,
    access: (entry, extra, secrets) => {
      if (RANK.info < min) return;
      // JSON lines are formatted when their batch is written (LineBatch); pretty ones are for a terminal.
      if (batch && format === 'json') batch.access(entry, extra, secrets);
      else if (batch) batch.line(accessLine(entry, extra, secrets, Date.now()));
      else sink!(accessLine(entry, extra, secrets, Date.now()));
    },
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    flush: () => batch?.flush(),
  };
}
