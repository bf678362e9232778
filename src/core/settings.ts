/**
 * Every setting FrameForge reads, in one table: its config-file key, the
 * environment variables that set it, how to parse it and its default.
 * The loader, the validator, `.env.example` and the README table all follow it,
 * so a setting cannot be documented in one place and forgotten in another.
 */
import { FrameForgeError } from './errors.js';
import { DEFAULT_GEMINI_MODEL } from '../providers/gemini-models.js';
import { parseSizeRequest, type SizeRequest } from './output-size.js';
import { decodeWebhookSecret, MAX_SECRET_BYTES, MIN_SECRET_BYTES } from '../jobs/webhook-signature.js';
import { NO_PROVIDER_LIMITS, parseProviderRateLimits, type ProviderRateLimits } from '../jobs/provider-limits.js';

export const DEFAULT_PROMPT =
  'Stage this room with minimalist modern furniture in neutral tones. Preserve architecture and lighting; add realistic shadows and reflections.';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'json' | 'pretty';

export interface Settings {
  googleApiKey?: string;
  googleModelId: string;
  googleApiVersion: GoogleApiVersion;
  googleBaseUrl?: string;
  falKey?: string;
  falProxyUrl?: string;
  falAllowedResultHosts: string[];
  defaultProvider: string;
  defaultPrompt: string;
  host: string;
  port: number;
  allowedOrigins: string[];
  devMode: boolean;
  logLevel: LogLevel;
  logFormat?: LogFormat;
  trustProxy: boolean;
  editsPerHour: number;
  requestsPerHour: number;
  maxInputPixels: number;
  editTimeoutSeconds: number;
  maxRetries: number;
  maxRetryWaitSeconds: number;
  mockDelayMs: number;
  serverTokens?: string[];
  serverTokensFile?: string;
  requireClientKeys: boolean;
  jobTtlSeconds: number;
  jobConcurrency: number;
  redisUrl?: string;
  jobKeySecret?: string;
  jobLockMs: number;
  jobStalledIntervalMs: number;
  providerRateLimitPerMinute: ProviderRateLimits;
  webhookSecret?: string;
  webhookAllowedHosts: string[];
  webhookAttempts: number;
  webhookRetryDelayMs: number;
  maxConcurrentEdits: number;
  maxQueuedEdits: number;
  minUploadBytesPerSecond: number;
  cacheDir?: string;
  cacheMaxMb: number;
  serveUi: boolean;
  defaultSize: SizeRequest;
}

/** Gemini API versions the SDK can be pointed at; preview ids exist only on v1beta. */
export const GOOGLE_API_VERSIONS = ['v1beta', 'v1', 'v1alpha'] as const;
export type GoogleApiVersion = (typeof GOOGLE_API_VERSIONS)[number];

export interface SettingSpec<K extends keyof Settings = keyof Settings> {
  key: K;
  /** Environment variables, first one found wins. */
  env: readonly string[];
  description: string;
  /** Never printed, logged or echoed back. */
  secret?: boolean;
  parse: (raw: unknown, name: string) => Settings[K];
}

function invalid(name: string, raw: unknown, expected: string): FrameForgeError {
  const shown = typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
  return new FrameForgeError('invalid_config', `Invalid setting ${name}=${shown}: expected ${expected}.`, {
    subject: name,
  });
}

/** A secret's value is never shown, even when it is invalid. */
function invalidSecret(name: string, expected: string): FrameForgeError {
  return new FrameForgeError('invalid_config', `Invalid setting ${name}: expected ${expected}.`, {
    subject: name,
  });
}

const text =
  (opts: { secret?: boolean } = {}) =>
  (raw: unknown, name: string): string => {
    if (typeof raw !== 'string' || raw.trim() === '') {
      throw opts.secret ? invalidSecret(name, 'a non-empty string') : invalid(name, raw, 'a non-empty string');
    }
    if (opts.secret && /\s/.test(raw.trim())) throw invalidSecret(name, 'a key without spaces');
    return raw.trim();
  };

function httpUrl(raw: unknown, name: string): string {
  if (typeof raw !== 'string') throw invalid(name, raw, 'an http(s) URL');
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid(name, raw, 'an http(s) URL such as https://gateway.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(name, raw, 'an http(s) URL such as https://gateway.example.com');
  }
  if (url.username || url.password) throw invalidSecret(name, 'a URL without credentials in it');
  return raw.trim().replace(/\/+$/, '');
}

/** redis://[user:password@]host[:port][/db] or rediss:// (TLS); the password makes the whole URL a secret. */
function redisUrl(raw: unknown, name: string): string {
  let url: URL | undefined;
  try {
    url = typeof raw === 'string' ? new URL(raw.trim()) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    throw invalidSecret(name, 'a redis:// or rediss:// URL such as redis://127.0.0.1:6379');
  }
  return (raw as string).trim();
}

function longSecret(raw: unknown, name: string): string {
  if (typeof raw !== 'string' || raw.trim().length < 32 || /\s/.test(raw.trim())) {
    throw invalidSecret(name, 'at least 32 characters without spaces (e.g. `openssl rand -base64 32`)');
  }
  return raw.trim();
}

/** WEBHOOK_SECRET: the Standard Webhooks form, `whsec_` + base64 of 24 to 64 random bytes. */
function webhookSecret(raw: unknown, name: string): string {
  const value = typeof raw === 'string' ? raw.trim() : '';
  if (!decodeWebhookSecret(value)) {
    throw invalidSecret(name, `whsec_ followed by the base64 of ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} random bytes (e.g. \`echo whsec_$(openssl rand -base64 32)\`)`);
  }
  return value;
}

function integer(min: number, max: number) {
  return (raw: unknown, name: string): number => {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw invalid(name, raw, `a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

function boolean(raw: unknown, name: string): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  }
  throw invalid(name, raw, 'true or false');
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: unknown, name: string): T => {
    const v = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    throw invalid(name, raw, `one of ${values.join(', ')}`);
  };
}

/**
 * ALLOWED_ORIGINS takes the earlier backend's JSON array (`["http://localhost:5173"]`)
 * or a comma list. Each origin must be `*` or a bare scheme://host[:port].
 */
export function parseOrigins(raw: unknown, name: string): string[] {
  let list: unknown = raw;
  if (typeof raw === 'string') {
    const trimmed = raw.trim();
    if (trimmed.startsWith('[')) {
      try {
        list = JSON.parse(trimmed);
      } catch {
        throw invalid(name, raw, 'a JSON array of origins or a comma-separated list');
      }
    } else {
      list = trimmed === '' ? [] : trimmed.split(',');
    }
  }
  if (!Array.isArray(list)) throw invalid(name, raw, 'a JSON array of origins or a comma-separated list');
  return list.map((item) => {
    if (typeof item !== 'string') throw invalid(name, raw, 'origins as strings');
    const origin = item.trim();
    if (origin === '*') return origin;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw invalid(name, item, 'an origin such as http://localhost:5173');
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.replace(/\/$/, '')) {
      throw invalid(name, item, 'an origin such as http://localhost:5173 (scheme, host and port only)');
    }
    return url.origin;
  });
}

/** Shortest access token taken as given: `frameforge token` makes 46-character ones. */
export const MIN_TOKEN_LENGTH = 16;
const SHA256_LINE = /^sha256:[0-9a-f]{64}$/i;

/**
 * One access token, or its `sha256:<hex>` line, as SERVER_TOKENS or a line of
 * SERVER_TOKENS_FILE holds it. The value is never shown in the error.
 */
export function parseTokenEntry(entry: string, where: string): string {
  const value = entry.trim();
  if (value.toLowerCase().startsWith('sha256:')) {
    if (!SHA256_LINE.test(value)) throw invalidSecret(where, 'sha256: followed by 64 hex digits');
    return value.toLowerCase();
  }
  if (/\s/.test(value) || value.length < MIN_TOKEN_LENGTH) {
    throw invalidSecret(where, `tokens of at least ${MIN_TOKEN_LENGTH} characters without spaces (\`frameforge token\` makes one)`);
  }
  return value;
}

/** SERVER_TOKENS: a comma list of tokens or `sha256:<hex>` lines. */
function tokenList(raw: unknown, name: string): string[] {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) throw invalidSecret(name, 'a comma-separated list of tokens');
  const tokens = items
    .map((item: unknown) => {
      if (typeof item !== 'string') throw invalidSecret(name, 'tokens as strings');
      return item.trim();
    })
    .filter(Boolean)
    .map((item) => parseTokenEntry(item, name));
  if (tokens.length === 0) throw invalidSecret(name, 'at least one token');
  return tokens;
}

/** FAL_ALLOWED_RESULT_HOSTS: `host` or `host:port` entries (IPv6 in brackets), a comma list. */
function hostList(raw: unknown, name: string): string[] {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) throw invalid(name, raw, 'a comma-separated list of hosts');
  return items
    .map((item: unknown) => (typeof item === 'string' ? item.trim().toLowerCase() : ''))
    .filter(Boolean)
    .map((host) => {
      if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host)) throw invalid(name, raw, 'hosts such as cdn.example.com or 10.0.0.5:9000 (no scheme, no path)');
      return host;
    });
}

function spec<K extends keyof Settings>(s: SettingSpec<K>): SettingSpec<K> {
  return s;
}

export const SETTINGS = [
  spec({ key: 'googleApiKey', env: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'], secret: true, parse: text({ secret: true }),
    description: 'Gemini API key (GOOGLE_API_KEY wins when both are set).' }),
  spec({ key: 'googleModelId', env: ['GOOGLE_MODEL_ID'], parse: text(),
    description: 'Gemini model behind the `google` and `nano-banana` providers.' }),
  spec({ key: 'googleApiVersion', env: ['GOOGLE_API_VERSION'], parse: oneOf(GOOGLE_API_VERSIONS),
    description: "Gemini API version: v1beta (Google's docs and preview models), v1 or v1alpha." }),
  spec({ key: 'googleBaseUrl', env: ['GOOGLE_GEMINI_BASE_URL'], parse: httpUrl,
    description: "Another Gemini endpoint (gateway, proxy, a local fake); Google's by default." }),
  spec({ key: 'falKey', env: ['FAL_KEY'], secret: true, parse: text({ secret: true }),
    description: 'fal.ai API key.' }),
  spec({ key: 'falProxyUrl', env: ['FAL_PROXY_URL'], parse: httpUrl,
    description: "Send every fal API call through this URL, in fal's proxy protocol (target in x-fal-target-url)." }),
  spec({ key: 'falAllowedResultHosts', env: ['FAL_ALLOWED_RESULT_HOSTS'], parse: hostList,
    description: 'Hosts (`host` or `host:port`) a fal result URL may name with http: or a private address; any other must be https: on a public address. FAL_PROXY_URL\'s host:port is always allowed.' }),
  spec({ key: 'defaultProvider', env: ['DEFAULT_PROVIDER'], parse: text(),
    description: 'Provider used when none is named.' }),
  spec({ key: 'defaultPrompt', env: ['DEFAULT_PROMPT'], parse: text(),
    description: 'Prompt used when none is given.' }),
  spec({ key: 'host', env: ['SERVER_HOST', 'HOST'], parse: text(),
    description: 'Address `frameforge serve` listens on.' }),
  spec({ key: 'port', env: ['SERVER_PORT', 'PORT'], parse: integer(0, 65535),
    description: 'Port `frameforge serve` listens on (0 picks a free one).' }),
  spec({ key: 'allowedOrigins', env: ['ALLOWED_ORIGINS'], parse: parseOrigins,
    description: 'CORS origins: a JSON array or a comma list; * allows any origin without credentials.' }),
  spec({ key: 'devMode', env: ['DEV_MODE'], parse: boolean,
    description: 'Development mode: a provider without a key answers as `mock` (marked X-FrameForge-Fallback: mock).' }),
  spec({ key: 'logLevel', env: ['LOG_LEVEL'], parse: oneOf(['debug', 'info', 'warn', 'error', 'silent'] as const),
    description: 'debug, info, warn, error or silent.' }),
  spec({ key: 'logFormat', env: ['LOG_FORMAT'], parse: oneOf(['json', 'pretty'] as const),
    description: 'json or pretty; json unless stderr is a terminal.' }),
  spec({ key: 'trustProxy', env: ['TRUST_PROXY'], parse: boolean,
    description: 'Trust X-Forwarded-For for the client IP (only behind a proxy you run).' }),
  spec({ key: 'editsPerHour', env: ['RATE_LIMIT_EDITS_PER_HOUR'], parse: integer(0, 1_000_000),
    description: 'Edits one client IP may request an hour (0 = unlimited).' }),
  spec({ key: 'requestsPerHour', env: ['RATE_LIMIT_REQUESTS_PER_HOUR'], parse: integer(0, 10_000_000),
    description: 'Other API requests one client IP may make an hour (0 = unlimited).' }),
  spec({ key: 'maxInputPixels', env: ['MAX_INPUT_PIXELS'], parse: integer(1, 1_000_000_000),
    description: 'Largest input image, in pixels (width x height); larger ones are refused undecoded.' }),
  spec({ key: 'editTimeoutSeconds', env: ['EDIT_TIMEOUT_SECONDS'], parse: integer(1, 3600),
    description: 'Deadline for one edit, retries included.' }),
  spec({ key: 'maxRetries', env: ['MAX_RETRIES'], parse: integer(0, 10),
    description: 'Retries of a provider call on 429, 5xx and network errors.' }),
  spec({ key: 'maxRetryWaitSeconds', env: ['MAX_RETRY_WAIT_SECONDS'], parse: integer(0, 3600),
    description: 'Longest single wait between retries (a longer Retry-After fails the edit instead).' }),
  spec({ key: 'mockDelayMs', env: ['MOCK_DELAY_MS'], parse: integer(0, 600_000),
    description: 'Milliseconds the `mock` provider takes per edit, so front-end work can feel real latency (0 = instant).' }),
  spec({ key: 'serverTokens', env: ['SERVER_TOKENS'], secret: true, parse: tokenList,
    description: 'Access tokens of `frameforge serve` (comma list; an entry may be `sha256:<hex>`): every route but health and the OpenAPI document then needs `Authorization: Bearer <token>`.' }),
  spec({ key: 'serverTokensFile', env: ['SERVER_TOKENS_FILE'], parse: text(),
    description: 'A file of access tokens, one a line (`sha256:<hex>` lines, blank lines and # comments allowed); read at startup, together with SERVER_TOKENS.' }),
  spec({ key: 'requireClientKeys', env: ['REQUIRE_CLIENT_KEYS'], parse: boolean,
    description: "The server never spends its own provider keys: every edit must bring its key in a header (X-Google-API-Key, X-Fal-Key, ...)." }),
  spec({ key: 'cacheDir', env: ['CACHE_DIR'], parse: text(),
    description: 'Result cache folder; default `$XDG_CACHE_HOME/frameforge`, else `~/.cache/frameforge`. A repeated edit (same input bytes, prompt, provider, model and options) is answered from it without a provider call.' }),
  spec({ key: 'cacheMaxMb', env: ['CACHE_MAX_MB'], parse: integer(0, 10_000_000),
    description: 'Largest size of the result cache in MB; the least recently used results are evicted beyond it (0 = no cache).' }),
  spec({ key: 'jobTtlSeconds', env: ['JOB_TTL_SECONDS'], parse: integer(1, 365 * 86400),
    description: 'How long a job, its input and its result are kept (counted from submission, and again from its end).' }),
  spec({ key: 'jobConcurrency', env: ['JOB_CONCURRENCY'], parse: integer(1, 1000),
    description: 'Jobs one worker runs at once: a `frameforge worker` without --concurrency, or the worker `serve` runs with REDIS_URL (embedded jobs use the edit slots: MAX_CONCURRENT_EDITS).' }),
  spec({ key: 'redisUrl', env: ['REDIS_URL'], secret: true, parse: redisUrl,
    description: 'Run jobs through BullMQ on this Redis (redis:// or rediss://): `frameforge worker` processes run them; without it `serve` runs jobs in-process.' }),
  spec({ key: 'jobKeySecret', env: ['JOB_KEY_SECRET'], secret: true, parse: longSecret,
    description: 'Encrypts (AES-256-GCM) the provider keys a job brings before they reach Redis; without it such jobs are refused when REDIS_URL is set.' }),
  spec({ key: 'jobLockMs', env: ['JOB_LOCK_DURATION_MS'], parse: integer(500, 600_000),
    description: "A worker's lock on a running job, renewed every half of it; a job whose worker died is taken up again after it expires (BullMQ lockDuration)." }),
  spec({ key: 'jobStalledIntervalMs', env: ['JOB_STALLED_INTERVAL_MS'], parse: integer(500, 600_000),
    description: 'How often workers look for jobs whose worker died (BullMQ stalledInterval); recovery takes up to about two of these after the lock expires.' }),
  spec({ key: 'providerRateLimitPerMinute', env: ['PROVIDER_RATE_LIMIT_PER_MINUTE'], parse: parseProviderRateLimits,
    description: 'With REDIS_URL: edits all workers together start a minute per provider quota (each Gemini model, all of fal, mock), one per variation; `20` for each, or `google=10,fal=60` (unnamed: unlimited; 0 = unlimited). Jobs past it stay queued until the window ends.' }),
  spec({ key: 'webhookSecret', env: ['WEBHOOK_SECRET'], secret: true, parse: webhookSecret,
    description: 'Signs job webhooks (Standard Webhooks: `whsec_` + base64 of 24-64 random bytes); without it a job with webhook_url is refused. Servers and workers need the same one.' }),
  spec({ key: 'webhookAllowedHosts', env: ['WEBHOOK_ALLOWED_HOSTS'], parse: hostList,
    description: 'The only hosts (`host` or `host:port`) a job\'s webhook_url may name. A named host must be https: on public addresses; an IP address written here may also be http: and private.' }),
  spec({ key: 'webhookAttempts', env: ['WEBHOOK_ATTEMPTS'], parse: integer(1, 30),
    description: 'Tries per webhook before giving up (non-2xx answers, timeouts, connection errors are retried; 410 Gone stops at once).' }),
  spec({ key: 'webhookRetryDelayMs', env: ['WEBHOOK_RETRY_DELAY_MS'], parse: integer(10, 3_600_000),
    description: 'Wait before a webhook\'s first retry, doubling with each further one (8 tries: about 10 minutes in all).' }),
  spec({ key: 'maxConcurrentEdits', env: ['MAX_CONCURRENT_EDITS'], parse: integer(1, 10_000),
    description: 'Edits the server works on at once (upload, provider call, encoding); each may hold up to 50 MB of upload.' }),
  spec({ key: 'maxQueuedEdits', env: ['MAX_QUEUED_EDITS'], parse: integer(0, 100_000),
    description: 'Edits waiting for a slot, in arrival order, their bodies unread; past that, 503 server_busy with Retry-After.' }),
  spec({ key: 'minUploadBytesPerSecond', env: ['MIN_UPLOAD_BYTES_PER_SECOND'], parse: integer(0, 1_000_000_000),
    description: 'An upload slower than this, averaged over 30 s, gets 408 and its slot back (0 = no minimum).' }),
  spec({ key: 'serveUi', env: ['SERVE_UI'], parse: boolean,
    description: '`frameforge serve` answers the web page at `/` (false, or `--no-ui`, leaves only the API).' }),
  spec({ key: 'defaultSize', env: ['DEFAULT_SIZE'], parse: (raw, name) => parseSizeRequest(raw, name, 'invalid_config'),
    description: "Output size when --size / the form field size is not given: auto (the input's long edge, at most 2K), 1K, 2K or 4K." }),
] as const satisfies readonly SettingSpec[];

export const DEFAULT_SETTINGS: Settings = {
  googleModelId: DEFAULT_GEMINI_MODEL,
  googleApiVersion: 'v1beta',
  defaultProvider: 'google',
  defaultPrompt: DEFAULT_PROMPT,
  falAllowedResultHosts: [],
  host: '127.0.0.1',
  port: 8000,
  allowedOrigins: ['*'],
  devMode: false,
  logLevel: 'info',
  trustProxy: false,
  editsPerHour: 100,
  requestsPerHour: 1000,
  maxInputPixels: 100_000_000,
  editTimeoutSeconds: 300,
  maxRetries: 3,
  maxRetryWaitSeconds: 60,
  mockDelayMs: 0,
  requireClientKeys: false,
  jobTtlSeconds: 86_400,
  jobConcurrency: 4,
  jobLockMs: 30_000,
  jobStalledIntervalMs: 30_000,
  providerRateLimitPerMinute: NO_PROVIDER_LIMITS,
  webhookAllowedHosts: [],
  webhookAttempts: 8,
  webhookRetryDelayMs: 5_000,
  maxConcurrentEdits: 8,
  maxQueuedEdits: 32,
  minUploadBytesPerSecond: 16 * 1024,
  cacheMaxMb: 1024,
  serveUi: true,
  defaultSize: 'auto',
};

/** Names of the settings whose values must never be shown. */
export const SECRET_KEYS: ReadonlySet<keyof Settings> = new Set(
  SETTINGS.filter((s) => 'secret' in s && s.secret).map((s) => s.key),
);
