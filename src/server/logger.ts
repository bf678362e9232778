/**
 * Structured logs for the server: one JSON object a line on stderr (or a
 * readable line with LOG_FORMAT=pretty). A small writer rather than pino:
 * the server logs one line a request, and the one thing it must guarantee,
 * that no key ever reaches a log, is easiest to see in twenty lines: every
 * line is serialized here and every known secret is cut out of it.
 */
import type { LogFormat, LogLevel } from '../core/settings.js';

type Level = Exclude<LogLevel, 'silent'>;
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: Level, msg: string, fields?: LogFields, secrets?: readonly string[]): void;
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

function redact(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    // Short values would redact ordinary words; keys are long.
    if (secret.length >= 6 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * stderr to a file or /dev/null is written synchronously, one syscall a line;
 * under load that cost more than all the middleware together. Lines are
 * gathered and written once per turn of the event loop instead.
 */
function batchedStderr(): { sink: (line: string) => void; flush: () => void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = `${pending.join('\n')}\n`;
    pending = [];
    process.stderr.write(text);
  };
  return {
    sink: (line) => {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
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

  const log: Logger['log'] = (level, msg, fields = {}, secrets = []) => {
    if (RANK[level] < min) return;
    const line =
      format === 'json' ? JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) : pretty(level, msg, fields);
    sink(redact(line, [...configured, ...secrets]));
  };
  return {
    log,
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    flush: () => batched?.flush(),
  };
}
