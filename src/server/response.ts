/**
 * The server's response class (createServer's `ServerResponse` option). Every
 * answer carries headers set before its handler runs: X-Request-Id, CORS, and
 * for the fixed JSON routes Cache-Control. Set one by one with setHeader, each
 * cost Node a validation, a lower-cased copy of its name looked up as a
 * property key and a [name, value] pair, for every request, health checks
 * included (issue 15: about a twentieth of GET /api/health's CPU). Here they
 * are kept as a flat list and written with the status line in one
 * `writeHead(status, [name, value, ...])`, Node's path for headers given all
 * at once, when the handler answers with writeHead too (sendJson does).
 *
 * Nothing else changes: when a handler uses setHeader / appendHeader (most
 * do: images, jobs, errors), the early headers are set the ordinary way just
 * before the head is written, and a header the handler set itself wins, as
 * it did when it overwrote the early one (`Cache-Control: no-store` on an
 * error); an early `Vary` is kept and the handler's added after it.
 */
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';

const NONE: readonly string[] = Object.freeze([]);

export class FrameForgeResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  /** Headers set with earlyHeader, as [name, value, name, value, ...]. */
  private early: string[] | readonly string[] = NONE;
  /** Whether setHeader or appendHeader has been called (then writeHead takes Node's ordinary path). */
  private progressive = false;

  addEarly(name: string, value: string): void {
    if (this.early === NONE) this.early = [name, value];
    else (this.early as string[]).push(name, value);
  }

  /** True while only early headers are set: writeHead(status, [...]) then writes them all at once. */
  get onlyEarlyHeaders(): boolean {
    return !this.progressive;
  }

  override setHeader(name: string, value: number | string | readonly string[]): this {
    this.progressive = true;
    return super.setHeader(name, value);
  }

  override appendHeader(name: string, value: string | readonly string[]): this {
    this.progressive = true;
    return super.appendHeader(name, value);
  }

  // Node calls writeHead for an implicit head too (end() or write() without it), so every answer passes here.
  override writeHead(statusCode: number, reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    const early = this.early;
    if (early.length === 0) return super.writeHead(statusCode, reason as string, headers);
    this.early = NONE;
    const given = typeof reason === 'string' ? headers : reason;
    if (!this.progressive && (given === undefined || Array.isArray(given))) {
      // The early list is this response's own (never the shared NONE here): the given headers go on its end.
      const all = early as OutgoingHttpHeader[];
      if (given !== undefined) for (let i = 0; i < given.length; i++) all.push((given as OutgoingHttpHeader[])[i]!);
      return typeof reason === 'string' ? super.writeHead(statusCode, reason, all) : super.writeHead(statusCode, all);
    }
    for (let i = 0; i < early.length; i += 2) {
      const name = early[i]!;
      const value = early[i + 1]!;
      const set = this.getHeader(name);
      if (set === undefined) super.setHeader(name, value);
      else if (name.toLowerCase() === 'vary') super.setHeader(name, [value, ...(Array.isArray(set) ? set.map(String) : [String(set)])]);
    }
    return super.writeHead(statusCode, reason as string, headers);
  }
}

/** Adds `value` to the request's early Vary; on another response class, with setHeader / appendHeader. */
export function earlyVary(res: ServerResponse, value: string): void {
  if (res instanceof FrameForgeResponse) res.addEarly('Vary', value);
  // Usually the first Vary; appendHeader would validate it twice before setting it.
  else if (res.hasHeader('vary')) res.appendHeader('Vary', value);
  else res.setHeader('Vary', value);
}

/** Sets a header every answer of this request carries; on another response class, with setHeader. */
export function earlyHeader(res: ServerResponse, name: string, value: string): void {
  if (res instanceof FrameForgeResponse) res.addEarly(name, value);
  else res.setHeader(name, value);
}
