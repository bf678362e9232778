/**
 * The client IP used for rate limits and logs. X-Forwarded-For is anyone's to
 * forge, so it is read only with TRUST_PROXY=true, and then its LAST entry is
 * taken: the address the proxy we run saw. Entries before it came from the
 * client and could be made up to dodge the limit.
 */
import type { IncomingMessage } from 'node:http';

export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const value = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
    const last = value
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .pop();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
