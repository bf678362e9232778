/**
 * `serve(options)`: listens, and owns the server's lifecycle. It returns
 * `{ url, close() }`; close() stops accepting connections, lets requests in
 * flight finish (up to `drainTimeoutMs`, 30 s by default), then cuts what is
 * left. Signals are the caller's business (the CLI wires SIGTERM/SIGINT to
 * close()), so the server can be embedded and tested in-process.
 */
import { createServer, maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../core/config.js';
import type { JobQueue } from '../jobs/types.js';
import { createApp, type AppOptions } from './app.js';
import { createIdleCollector } from './idle-gc.js';
import { createLogger, type Logger } from './logger.js';
import { FrameForgeResponse } from './response.js';
import { DEFAULT_MULTIPART_LIMITS, type MultipartLimits } from './multipart.js';
import { createAdmission } from './policies/admission.js';
import { loadAccessTokens } from './policies/tokens.js';
import { defaultPageDir, loadPage } from './page/load-page.js';

export interface ServeOptions {
  config: Config;
  /** Overrides config.host / config.port. */
  host?: string;
  port?: number;
  /** A ready logger; otherwise one is made from the config (to `logSink`, or stderr). */
  logger?: Logger;
  logSink?: (line: string) => void;
  drainTimeoutMs?: number;
  limits?: Partial<MultipartLimits>;
  /** An upload that sends nothing for this long is cut off with 408 (default 30 s). */
  uploadIdleMs?: number;
  /** The window MIN_UPLOAD_BYTES_PER_SECOND is averaged over (default 30 s; tests shorten it). */
  uploadRateWindowMs?: number;
  /** Edit slots shared with another door (a job runner in this process); made from the config otherwise. */
  admission?: AppOptions['admission'];
  /** Deadline for health, providers, openapi (default 30 s). */
  apiTimeoutMs?: number;
  /** Deadline for an edit, upload included (default 5 min, or EDIT_TIMEOUT_SECONDS when that is longer). */
  editTimeoutMs?: number;
  rateWindowMs?: number;
  /** The registry's resolveProvider unless given (tests wrap it to observe requests). */
  resolveProvider?: AppOptions['resolveProvider'];
  /**
   * The job queue the job routes use. When missing, serve makes one from the
   * config (embedded, or Redis with REDIS_URL) and closes it when it stops;
   * one that is passed in stays the caller's to close.
   */
  jobs?: JobQueue;
  /** With REDIS_URL: run no worker in this process (`serve --no-worker`). */
  noWorker?: boolean;
  /** Where the built web page is (dist/web by default); read only when SERVE_UI is on. */
  pageDir?: string;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  server: Server;
  /** Drains and stops; safe to call more than once. */
  close(): Promise<void>;
}

const SECOND = 1000;
/** After cutting what the drain left, how long handlers get to wind down (fal's cancel takes at most 3 s). */
const SETTLE_TIMEOUT_MS = 5 * SECOND;

/** Waits for `promise`, or `ms`, whichever comes first. */
async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { config } = options;
  const log =
    options.logger ??
    createLogger({
      level: config.logLevel,
      ...(config.logFormat ? { format: config.logFormat } : {}),
      ...(options.logSink ? { sink: options.logSink } : {}),
      secrets: [config.googleApiKey, config.falKey, config.redisUrl, config.jobKeySecret, config.webhookSecret],
    });
  // Contract 3's 5 minutes, unless the operator gave edits longer (EDIT_TIMEOUT_SECONDS): a
  // longer provider deadline cut short by the route would be a setting that silently does nothing.
  const editTimeoutMs = options.editTimeoutMs ?? Math.max(5 * 60 * SECOND, config.editTimeoutSeconds * SECOND);
  // Read before listening: a missing or empty tokens file stops startup rather than opening the API.
  const tokens = await loadAccessTokens(config);
  // Read before listening: a missing build is a startup error, not a 404 later (and before a job queue is made).
  const page = config.serveUi ? loadPage(options.pageDir ?? defaultPageDir(), { defaultPrompt: config.defaultPrompt }) : undefined;
  // One set of edit slots for POST /api/edit, job uploads and embedded jobs alike: they hold the same memory.
  const admission = options.admission ?? createAdmission({ maxActive: config.maxConcurrentEdits, maxQueued: config.maxQueuedEdits });
  const ownJobs = !options.jobs;
  const jobs =
    options.jobs ??
    (await (await import('../jobs/create-queue.js')).createJobQueue(config, {
      admission,
      ...(options.resolveProvider ? { resolveProvider: options.resolveProvider } : {}),
      ...(options.noWorker ? { noWorker: true } : {}),
      // Redis trouble is retried by the client; it is logged, never fatal.
      onError: (what, error) => log.warn(`${what}: ${error.message}`),
      onWebhookGaveUp: (message, fields) => log.warn(message, fields),
    }));
  // With Redis, per-client limits are counted there, so every server behind a load balancer shares them.
  const shared = config.redisUrl
    ? await (await import('./policies/shared-rate-limit.js')).createSharedLimits(config.redisUrl, (message) => log.warn(message))
    : undefined;
  let inFlight = 0;
  let draining = false;
  // After a burst of uploads, their buffers are given back once the server is quiet (idle-gc.ts).
  const collector = createIdleCollector({ inFlight: () => inFlight });
  let drained: (() => void) | undefined;
  const app = createApp({
    config,
    log,
    limits: { ...DEFAULT_MULTIPART_LIMITS, ...options.limits },
    uploadIdleMs: options.uploadIdleMs ?? 30 * SECOND,
    ...(options.uploadRateWindowMs ? { uploadRateWindowMs: options.uploadRateWindowMs } : {}),
    admission,
    apiTimeoutMs: options.apiTimeoutMs ?? 30 * SECOND,
    editTimeoutMs,
    tokens,
    jobs,
    ...(shared ? { createLimiter: (name: string, limit: number, windowMs: number) => shared.limiter(name, limit, windowMs) } : {}),
    ...(options.rateWindowMs ? { rateWindowMs: options.rateWindowMs } : {}),
    ...(options.resolveProvider ? { resolveProvider: options.resolveProvider } : {}),
    ...(page ? { page } : {}),
    // The app's one close listener per request also keeps this count (a second listener cost throughput).
    onRequestClosed: () => {
      inFlight--;
      if (inFlight === 0) collector.idle();
      if (draining) {
        server.closeIdleConnections();
        if (inFlight === 0) drained?.();
      }
    },
  });

  const server = createServer(
    {
      // Early headers written with the status line (issue 15: the health path's CPU).
      ServerResponse: FrameForgeResponse,
      // Backstops behind our own JSON 408s: Node's defaults would let a slow-headers client linger.
      headersTimeout: Math.min(30 * SECOND, editTimeoutMs),
      requestTimeout: editTimeoutMs + 10 * SECOND,
    },
    (req, res) => {
      inFlight++;
      if (draining) res.setHeader('Connection', 'close');
      app.handle(req, res);
    },
  );
  // A malformed request line or headers never reaches the app: answer it in kind, never crash.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
    const [status, code, detail] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', `The request headers are larger than the ${Math.round(maxHeaderSize / 1024)} KB the server reads.`]
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', 'The request was not received in time.']
          : [400, 'bad_request', 'The request could not be read as HTTP.'];
    const body = JSON.stringify({ detail, code });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      if (ownJobs) void jobs.close();
      void shared?.close();
      reject(error);
    };
    server.once('error', onError);
    server.listen(options.port ?? config.port, options.host ?? config.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const url = urlOf(server.address() as AddressInfo);
  log.info('listening', { url, ...(tokens ? { accessTokens: tokens.size } : {}) });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      collector.stop();
      log.info('shutting down', { inFlight });
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await waitAtMost(new Promise<void>((resolve) => (drained = resolve)), options.drainTimeoutMs ?? 30 * SECOND);
        if (inFlight > 0) log.warn('drain timeout: closing requests still in flight', { inFlight });
      }
      server.closeAllConnections();
      // Cut requests cancel their work (a fal job gets its cancel): let that go out before exiting.
      await waitAtMost(app.settled(), SETTLE_TIMEOUT_MS);
      await stopped;
      // Embedded jobs still running are cancelled (they would be lost anyway); a shared queue's stay queued.
      if (ownJobs) await jobs.close();
      await shared?.close();
      log.info('stopped');
    })();
    return closing;
  };
  return { url, server, close };
}
