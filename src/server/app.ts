/**
 * The request handler, composed once at startup (the listening socket and
 * the lifecycle live in serve.ts). For every request, in order: request id,
 * access log, CORS, the route (404 / 405), the rate limit, then the handler
 * under the route's deadline and an AbortSignal that fires when the client
 * leaves. Whatever a handler throws becomes a `{detail, code}` answer; no
 * request can take the server down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../core/config.js';
import { FrameForgeError, toFrameForgeError } from '../core/errors.js';
import { clientIp } from './client-ip.js';
import { createCors } from './cors.js';
import { sendError } from './http-errors.js';
import { closeAfterAnswer } from './linger.js';
import type { Logger } from './logger.js';
import type { MultipartLimits } from './multipart.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import { requestIdOf } from './request-id.js';
import { requestSecrets } from './request-keys.js';
import { createRoutes, type RouteOptions } from './routes/index.js';
import type { RequestContext, Route } from './routes/types.js';

const HOUR_MS = 60 * 60 * 1000;

export interface AppOptions {
  config: Config;
  log: Logger;
  limits: MultipartLimits;
  uploadIdleMs: number;
  apiTimeoutMs: number;
  editTimeoutMs: number;
  resolveProvider?: RouteOptions['resolveProvider'];
  /** Tests shorten the rate-limit window; an hour by default (contract 3). */
  rateWindowMs?: number;
}

/**
 * An AbortController made only when a handler asks for the signal: creating
 * one (an EventTarget) for every health check cost measurable throughput,
 * and only edits listen to it. Aborting before anyone asked still counts.
 */
class LazyAbort {
  private controller: AbortController | undefined;
  private reason: unknown;
  private abortedEarly = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedEarly) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.controller ? this.controller.signal.aborted : this.abortedEarly;
  }

  abort(reason: unknown): void {
    if (this.controller) this.controller.abort(reason);
    else if (!this.abortedEarly) {
      this.abortedEarly = true;
      this.reason = reason;
    }
  }
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The path without its query string, capped, for routing and logs (a query may hold anything). */
function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return (q === -1 ? raw : raw.slice(0, q)).slice(0, 200);
}

export function createApp(options: AppOptions): RequestHandler {
  const { config, log } = options;
  const routes = new Map<string, Route>(createRoutes(options).map((r) => [r.path, r]));
  const cors = createCors(config.allowedOrigins);
  const windowMs = options.rateWindowMs ?? HOUR_MS;
  const limiters: Record<Route['limit'], RateLimiter> = {
    edit: createRateLimiter({ limit: config.editsPerHour, windowMs }),
    other: createRateLimiter({ limit: config.requestsPerHour, windowMs }),
  };

  // Per route, computed once: the methods it takes (for 405 Allow and CORS preflight).
  const allowed = new Map<string, string[]>([...routes].map(([path, route]) => [path, Object.keys(route.methods)]));

  /**
   * Routes the request. Refusals (404, 405, 429) throw synchronously; a
   * handler that answered at once returns undefined, one still working
   * returns its promise, under the route's deadline.
   */
  function handle(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    path: string,
    controller: LazyAbort,
    fail: (thrown: unknown) => Promise<void>,
  ): Promise<void> | undefined {
    const route = routes.get(path);
    const allow = allowed.get(path) ?? [];
    if (cors.preflight(req, res, allow)) return undefined;
    cors.apply(req, res);
    if (!route) {
      throw new FrameForgeError('not_found', `There is no ${path} here.`, {
        hint: 'The API answers GET /api/health, GET /api/providers, POST /api/edit and GET /api/openapi.json.',
      });
    }
    const handler = route.methods[req.method ?? ''];
    if (!handler) {
      res.setHeader('Allow', allow.join(', '));
      throw new FrameForgeError('method_not_allowed', `${path} does not take ${req.method}; use ${allow.join(' or ')}.`);
    }
    const decision = limiters[route.limit].take(ctx.ip);
    if (!decision.allowed) {
      throw new FrameForgeError('rate_limited', `Too many ${route.limit === 'edit' ? 'edits' : 'requests'} from your address.`, {
        retryAfter: decision.retryAfter,
        hint: `Try again in ${decision.retryAfter} s.`,
      });
    }
    const pending = handler(ctx);
    return pending ? withDeadline(ctx, route, pending, controller, fail) : undefined;
  }

  return (req, res) => {
    const started = performance.now();
    const requestId = requestIdOf(req);
    const path = pathOf(req.url);
    const ip = clientIp(req, config.trustProxy);
    const controller = new LazyAbort();
    const ctx: RequestContext = {
      req,
      res,
      requestId,
      ip,
      get signal() {
        return controller.signal;
      },
      log,
      secrets: requestSecrets(req.headers),
      logFields: {},
    };
    res.setHeader('X-Request-Id', requestId);
    res.on('close', () => {
      const aborted = !res.writableFinished;
      if (aborted) controller.abort(new DOMException('The client closed the connection.', 'AbortError'));
      log.log(
        'info',
        'request',
        {
          requestId,
          method: req.method,
          path,
          status: aborted ? 499 : res.statusCode,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          ip,
          ...ctx.logFields,
          ...(aborted ? { aborted: true } : {}),
        },
        ctx.secrets,
      );
    });
    const fail = async (thrown: unknown): Promise<void> => {
      // A client that left needs no answer; anything else gets one.
      if (controller.aborted && !res.headersSent && res.destroyed) return;
      const error = toFrameForgeError(thrown);
      if (error.code === 'internal_error' || error.code === 'invalid_config') {
        const cause = error.cause instanceof Error ? (error.cause.stack ?? error.cause.message) : String(error.cause);
        log.log('error', 'unexpected error', { requestId, error: cause }, ctx.secrets);
      }
      ctx.logFields.code = error.code;
      // The body was not read to its end: close rather than drain it.
      if (!req.complete && !res.headersSent) closeAfterAnswer(req, res);
      await sendError(req, res, error).catch(() => res.destroy());
    };
    let pending: Promise<void> | undefined;
    try {
      pending = handle(req, res, ctx, path, controller, fail);
    } catch (thrown) {
      void fail(thrown);
      return;
    }
    pending?.catch(fail);
  };
}

/**
 * Waits for a handler under the route's deadline, armed in the same tick the
 * handler returned its promise. When it passes, the request's signal aborts
 * (stopping the upload or the provider call) and the client is told why, at
 * once, by `fail`: 408 while its upload was still arriving, else 504 for an
 * edit. The handler settles later (cancelled); that outcome is dropped. No
 * promise is raced against the handler: on a hot path that cost about 4 us
 * of CPU a request.
 */
async function withDeadline(
  ctx: RequestContext,
  route: Route,
  work: Promise<void>,
  controller: LazyAbort,
  fail: (thrown: unknown) => Promise<void>,
): Promise<void> {
  const { req } = ctx;
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    const seconds = Math.round(route.timeoutMs / 1000);
    const error = !req.complete
      ? new FrameForgeError('request_timeout', `The request was not received within ${seconds} s.`)
      : route.limit === 'edit'
        ? new FrameForgeError('provider_timeout', `The edit did not finish within ${seconds} s.`, { hint: 'Try again later.' })
        : new FrameForgeError('service_unavailable', `The request did not finish within ${seconds} s.`);
    controller.abort(new DOMException('The route deadline passed.', 'TimeoutError'));
    // Abort listeners ran synchronously above; the handler's own failure comes
    // later, so this answer is the first and only one.
    void fail(error);
  }, route.timeoutMs);
  try {
    await work;
  } catch (error) {
    if (!expired) throw error;
  } finally {
    clearTimeout(timer);
  }
}
