/** What a route handler receives: the request, its answer, and the request's scope. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogFields, Logger } from '../logger.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  /** The client's address (X-Forwarded-For's last entry with TRUST_PROXY). */
  ip: string;
  /** Values of the route's `{name}` path segments, e.g. `id` for /api/jobs/{id}. */
  params: Readonly<Record<string, string>>;
  /** Who the request's access token is (a digest, never the token); undefined when the API is open. */
  tokenId: string | undefined;
  /** Aborted when the client goes away or the route's deadline passes. */
  signal: AbortSignal;
  log: Logger;
  /** Values this request carried that no log line may contain. */
  secrets: readonly string[];
  /** True while the request waits for an edit slot (its deadline then answers 503, not 408). */
  queued: boolean;
  /** Adds fields to this request's access-log line (provider, mock, ...). */
  addLogFields(fields: LogFields): void;
}

/**
 * Answers a request. A handler that answers at once (from memory) returns
 * nothing; one that waits (an upload, a provider) returns a promise, and only
 * then does the app arm the route's deadline around it.
 */
export type Handler = (ctx: RequestContext) => Promise<void> | void;

export interface Route {
  /** The path as the OpenAPI document writes it; `{name}` matches one segment. */
  path: string;
  /** Handlers by method. The Allow header of a 405 lists these. */
  methods: Readonly<Record<string, Handler>>;
  /** The whole request, upload included, must be answered within this. */
  timeoutMs: number;
  /** Which rate limit the route counts against. */
  limit: 'edit' | 'other';
  /**
   * Answered without an access token: the web page and its assets, which a
   * browser loads by navigating (it cannot send a Bearer header) and which
   * hold nothing private; the page then sends the token with each API call.
   */
  open?: boolean;
}
