/**
 * Every answer carries X-Request-Id: the client's own when it sent a sane one
 * (so a front end or proxy can follow its request through our logs), else a
 * fresh UUID. "Sane" keeps log lines and headers clean: short, printable, no spaces.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SANE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}
