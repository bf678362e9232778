/**
 * The request handler, composed once at startup (the listening socket and
 * the lifecycle live in serve.ts). For every request, in order: its scope
 * (request id, access log, the AbortSignal that fires when the client
 * leaves), CORS, the access token (401, when tokens are configured), the
 * route (404 / 405), the rate limit (per token, or per client address), then the handler,
 * under the route's deadline when it does not answer at once. Whatever a
 * handler throws becomes a `{detail, code}` answer; no request can take the
 * server down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../core/config.js';
import { FrameForgeError } from '../core/errors.js';
import { createCors } from './policies/cors.js';
import type { Logger } from './logger.js';
import type { MultipartLimits } from './multipart.js';
import { createRateLimiter, type AnyRateLimiter, type RateLimitDecision } from './policies/rate-limit.js';
import type { Admission } from './policies/admission.js';
import type { AccessTokens } from './policies/tokens.js';
import { RequestScope, type ScopeOptions } from './request-scope.js';
import { createRoutes, type RouteOptions } from './routes/index.js';
import type { Route } from './routes/types.js';

const HOUR_MS = 60 * 60 * 1000;
/** Open without a token: monitors and load balancers probe health, and the API's description is public (so are routes marked `open`: the web page). */
const OPEN_PATHS: ReadonlySet<string> = new Set(['/api/health', '/api/openapi.json']);
const BEARER_CHALLENGE = 'Bearer realm="frameforge"';

export interface AppOptions {
  config: Config;
  log: Logger;
  limits: MultipartLimits;
  uploadIdleMs: number;
  /** The window MIN_UPLOAD_BYTES_PER_SECOND is averaged over (30 s by default). */
  uploadRateWindowMs?: number;
  /** Edit slots to share with another door (a job runner); made from the config otherwise. */
  admission?: Admission;
  apiTimeoutMs: number;
  editTimeoutMs: number;
  resolveProvider?: RouteOptions['resolveProvider'];
  jobs: RouteOptions['jobs'];
  /** The web page's files; without them `/` is a 404 (--no-ui). */
  page?: RouteOptions['page'];
  /** Makes the per-client limiters; in-memory ones unless given (REDIS_URL: shared-rate-limit.ts). */
  createLimiter?: (name: Route['limit'], limit: number, windowMs: number) => AnyRateLimiter;
  /** Tests shorten the rate-limit window; an hour by default (contract 3). */
  rateWindowMs?: number;
  /** Access tokens (SERVER_TOKENS, SERVER_TOKENS_FILE), loaded by serve(); none means the API is open. */
  tokens?: AccessTokens | undefined;
  /** Called when a request's response has closed (serve counts requests in flight with it). */
  onRequestClosed?: () => void;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface App {
  handle: RequestHandler;
  /**
   * Resolves once no handler is still working. A request whose connection was
   * cut is answered at once but its handler may still be winding down (a fal
   * job being cancelled); serve waits for this before it reports stopped.
   */
  settled(): Promise<void>;
}

/** The path without its query string, capped, for routing and logs (a query may hold anything). */
function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return (q === -1 ? raw : raw.slice(0, q)).slice(0, 200);
}

export function createApp(options: AppOptions): App {
  const { config, tokens } = options;
  const table = createRoutes(options);
  const routes = new Map<string, Route>(table.filter((r) => !r.path.includes('{')).map((r) => [r.path, r]));
  const patterns = table.filter((r) => r.path.includes('{')).map(compilePattern);
  const cors = createCors(config.allowedOrigins);
  const windowMs = options.rateWindowMs ?? HOUR_MS;
  const makeLimiter = options.createLimiter ?? ((_name, limit: number, ms: number) => createRateLimiter({ limit, windowMs: ms }));
  const limiters: Record<Route['limit'], AnyRateLimiter> = {
    edit: makeLimiter('edit', config.editsPerHour, windowMs),
    other: makeLimiter('other', config.requestsPerHour, windowMs),
  };
  const scopeOptions: ScopeOptions = { log: options.log, trustProxy: config.trustProxy, onClosed: options.onRequestClosed };

  // Per route, computed once: the methods it takes (for 405 Allow and CORS preflight).
  // HEAD is GET without the body (RFC 9110 9.3.2; Node leaves the body out), for monitors that use it.
  const allowed = new Map<string, string[]>(
    table.map((route) => {
      const methods = Object.keys(route.methods);
      return [route.path, methods.includes('GET') ? [...methods, 'HEAD'] : methods];
    }),
  );
  const NO_METHODS: string[] = [];

  /**
   * Routes the request. Refusals (404, 405, 429) throw synchronously; a
   * handler that answered at once returns undefined, one still working
   * returns its promise, under the route's deadline.
   */
  function handle(scope: RequestScope): Promise<void> | undefined {
    const { req, res, path } = scope;
    let route = routes.get(path);
    if (!route) {
      for (const p of patterns) {
        const m = p.regex.exec(path);
        if (!m) continue;
        route = p.route;
        scope.params = Object.fromEntries(p.names.map((name, i) => [name, m[i + 1]!]));
        break;
      }
    }
    const allow = route ? allowed.get(route.path)! : NO_METHODS;
    if (cors.preflight(req, res, allow)) return undefined;
    cors.apply(req, res);
    let rateKey = scope.ip;
    if (tokens && !OPEN_PATHS.has(path) && !route?.open) {
      const match = tokens.verify(req.headers.authorization);
      if (!match) {
        // Failed attempts count against the address's own limit, so guessing is throttled too.
        const refusal = (guard: RateLimitDecision): FrameForgeError => {
          if (!guard.allowed) return rateLimited('requests', 'your address', guard.retryAfter);
          res.setHeader('WWW-Authenticate', BEARER_CHALLENGE);
          return new FrameForgeError('unauthorized', 'This server needs an access token.', {
            hint: 'Send Authorization: Bearer <token> (a provider key goes in X-Fal-Key or X-Google-API-Key).',
          });
        };
        const guard = limiters.other.take(scope.ip);
        if (guard instanceof Promise) {
          return guard.then((g) => {
            throw refusal(g);
          });
        }
        throw refusal(guard);
      }
      scope.addLogFields({ token: match.fingerprint });
      scope.tokenId = match.rateKey;
      rateKey = match.rateKey;
    }
    if (!route) {
      throw new FrameForgeError('not_found', `There is no ${path} here.`, {
        hint: 'The API answers GET /api/health, GET /api/providers, POST /api/edit, POST /api/jobs and GET /api/openapi.json.',
      });
    }
    const handler = route.methods[req.method === 'HEAD' ? 'GET' : (req.method ?? '')];
    if (!handler) {
      res.setHeader('Allow', allow.join(', '));
      throw new FrameForgeError('method_not_allowed', `${path} does not take ${req.method}; use ${allow.join(' or ')}.`);
    }
    const decision = limiters[route.limit].take(rateKey);
    if (decision instanceof Promise) {
      // The shared limit answers from Redis: the handler runs after it, under the same deadline.
      return withDeadline(scope, route, decision.then((d) => {
        admit(d, scope, route, rateKey);
        return handler(scope);
      }));
    }
    // A plain call, not a closure: this runs for every request (health checks included).
    admit(decision, scope, route, rateKey);
    const pending = handler(scope);
    return pending ? withDeadline(scope, route, pending) : undefined;
  }

  // Handlers still working (only those that returned a promise), and who waits for none.
  let working = 0;
  const onSettled: (() => void)[] = [];
  const workDone = () => {
    working--;
    if (working === 0) for (const resolve of onSettled.splice(0)) resolve();
  };

  return {
    handle(req, res) {
      const scope = new RequestScope(req, res, pathOf(req.url), scopeOptions);
      let pending: Promise<void> | undefined;
      try {
        pending = handle(scope);
      } catch (thrown) {
        void scope.fail(thrown);
        return;
      }
      if (!pending) return;
      working++;
      pending.catch((thrown: unknown) => scope.fail(thrown)).finally(workDone);
    },
    settled() {
      return working === 0 ? Promise.resolve() : new Promise<void>((resolve) => onSettled.push(resolve));
    },
  };
}

/** Throws the 429 when the limiter refused. */
function admit(decision: RateLimitDecision, scope: RequestScope, route: Route, rateKey: string): void {
  if (decision.allowed) return;
  const who = rateKey === scope.ip ? 'your address' : 'this access token';
  throw rateLimited(route.limit === 'edit' ? 'edits' : 'requests', who, decision.retryAfter);
}

function rateLimited(what: string, who: string, retryAfter: number): FrameForgeError {
  return new FrameForgeError('rate_limited', `Too many ${what} from ${who}.`, { retryAfter, hint: `Try again in ${retryAfter} s.` });
}

interface PatternRoute {
  route: Route;
  regex: RegExp;
  names: string[];
}

/** `/api/jobs/{id}` becomes a regex whose groups are the `{name}` segments (one segment each). */
function compilePattern(route: Route): PatternRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, regex: new RegExp(`^${source}$`), names };
}

/**
 * Waits for a handler under the route's deadline, armed in the same tick the
 * handler returned its promise. When it passes, the request's signal aborts
 * (stopping the upload or the provider call) and the client is told why, at
 * once: 408 while its upload was still arriving, else 504 for an edit. The
 * handler settles later (cancelled); that outcome is dropped. No promise is
 * raced against the handler: on a hot path that cost about 4 us of CPU a
 * request.
 */
async function withDeadline(scope: RequestScope, route: Route, work: Promise<void>): Promise<void> {
  const { req } = scope;
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    const seconds = Math.round(route.timeoutMs / 1000);
    const error = scope.queued
      ? new FrameForgeError('server_busy', `The edit waited ${seconds} s for a free slot.`, { retryAfter: 30, hint: 'Try again later.' })
      : !req.complete
      ? new FrameForgeError('request_timeout', `The request was not received within ${seconds} s.`)
      : route.limit === 'edit'
        ? new FrameForgeError('provider_timeout', `The edit did not finish within ${seconds} s.`, { hint: 'Try again later.' })
        : new FrameForgeError('service_unavailable', `The request did not finish within ${seconds} s.`);
    scope.abort(new DOMException('The route deadline passed.', 'TimeoutError'));
    // Abort listeners ran synchronously above; the handler's own failure comes
    // later, so this answer is the first and only one.
    void scope.fail(error);
  }, route.timeoutMs);
  try {
    await work;
  } catch (error) {
    if (!expired) throw error;
  } finally {
    clearTimeout(timer);
  }
}
