/**
 * One request's state, from its first byte to its closed connection: its id,
 * client address, secrets and access-log fields, the AbortSignal its handler
 * may listen to, how it answers a failure, and the access line it writes when
 * the response closes.
 *
 * Everything here runs for every request, health checks included, so the
 * common path allocates as little as possible: one object per request, an
 * AbortController only when a handler asks for the signal, log fields only
 * when a handler adds some, and one shared `close` listener that finds its
 * scope on the response (no closure per request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toFrameForgeError } from '../core/errors.js';
import { clientIp } from './policies/client-ip.js';
import { sendError } from './http-errors.js';
import { closeAfterAnswer } from './linger.js';
import type { LogFields, Logger } from './logger.js';
import { requestIdOf } from './policies/request-id.js';
import { requestSecrets } from './policies/request-keys.js';
import { earlyHeader } from './response.js';
import type { RequestContext } from './routes/types.js';

const kScope = Symbol('frameforge.requestScope');
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Whether part of the request body has yet to arrive. `req.complete` alone
 * cannot say: while the handler runs in the tick the headers were parsed it
 * is false even for a GET, whose (empty) body is complete by definition.
 */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
type ScopedResponse = ServerResponse & { [kScope]?: RequestScope };

function onResponseClose(this: ScopedResponse): void {
  this[kScope]?.closed();
}

export interface ScopeOptions {
  log: Logger;
  trustProxy: boolean;
  /** Called once the response has closed and its line is logged (serve counts requests in flight). */
  onClosed?: (() => void) | undefined;
}

export class RequestScope implements RequestContext {
  readonly requestId: string;
  readonly ip: string;
  readonly secrets: readonly string[];
  readonly log: Logger;
  /** Set by the app when a route with `{name}` segments matched. */
  params: Readonly<Record<string, string>> = NO_PARAMS;
  /** Set by the app when the request carried a valid access token. */
  tokenId: string | undefined;
  queued = false;
  private readonly started = performance.now();
  private extra: LogFields | undefined;
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private abortedEarly = false;

  /** Makes the scope and ties it to the response: X-Request-Id is set, the close listener added. */
  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** The path without its query string, for routing and the log. */
    readonly path: string,
    private readonly options: ScopeOptions,
  ) {
    this.requestId = requestIdOf(req);
    this.ip = clientIp(req, options.trustProxy);
    this.secrets = requestSecrets(req.headers);
    this.log = options.log;
    earlyHeader(res, 'X-Request-Id', this.requestId);
    (res as ScopedResponse)[kScope] = this;
    res.on('close', onResponseClose);
  }

  /** Made on first use: only edits listen to it. Aborting before anyone asked still counts. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedEarly) this.controller.abort(this.abortReason);
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
      this.abortReason = reason;
    }
  }

  addLogFields(fields: LogFields): void {
    this.extra = this.extra ? Object.assign(this.extra, fields) : { ...fields };
  }

  /** Answers `thrown` as a `{detail, code}` error, unless the client has left. Never rejects. */
  async fail(thrown: unknown): Promise<void> {
    const { req, res } = this;
    if (this.aborted && !res.headersSent && res.destroyed) return;
    const error = toFrameForgeError(thrown);
    if (error.code === 'internal_error' || error.code === 'invalid_config') {
      const cause = error.cause instanceof Error ? (error.cause.stack ?? error.cause.message) : String(error.cause);
      this.log.log('error', 'unexpected error', { requestId: this.requestId, error: cause }, this.secrets);
    }
    this.addLogFields({ code: error.code });
    // A body still coming (an upload refused early) is not read to its end: close instead.
    // A request without one (most refusals: 404, 405, 429 on a GET) keeps its connection.
    if (bodyPending(req) && !res.headersSent) closeAfterAnswer(req, res);
    await sendError(req, res, error).catch(() => res.destroy());
  }

  /** The response closed: cancel the work if the answer did not finish, then log the request. */
  closed(): void {
    const { req, res } = this;
    const aborted = !res.writableFinished;
    if (aborted) this.abort(new DOMException('The client closed the connection.', 'AbortError'));
    this.log.access(
      {
        requestId: this.requestId,
        method: req.method ?? '',
        path: this.path,
        status: aborted ? 499 : res.statusCode,
        durationMs: Math.round((performance.now() - this.started) * 10) / 10,
        ip: this.ip,
        aborted,
      },
      this.extra,
      this.secrets,
    );
    this.options.onClosed?.();
  }
}
