/**
 * Every answer carries X-Request-Id: the client's own when it sent a sane one
 * (so a front end or proxy can follow its request through our logs), else a
 * fresh UUID. "Sane" keeps log lines and headers clean: short, printable, no spaces.
 *
 * Fresh ids are UUIDv7 (RFC 9562 5.7: https://www.rfc-editor.org/rfc/rfc9562#section-5.7):
 * the millisecond first, so ids sort by time in the logs, then a counter
 * within the millisecond (rand_a, RFC 9562 6.2 method 1) and 62 random bits
 * drawn once per millisecond. An id is made for every request, health checks
 * included, and crypto.randomUUID's 16 random bytes and formatting each time
 * were about a fiftieth of GET /api/health's CPU (issue 15); here a request
 * within the same millisecond costs one string concatenation. Ids stay unique
 * within the process (the counter, and the clock never runs backwards here)
 * and across processes (the random bits). A request id is not a secret: it is
 * echoed in headers and logs.
 */
import { randomFillSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SANE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : newRequestId();
}


const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const NIBBLE = Array.from({ length: 16 }, (_, i) => i.toString(16));
/** The counter's 12 bits (rand_a) per millisecond. */
const MAX_COUNTER = 0xfff;

/** A UUIDv7 maker on `clock` (tests step it; the server's is Date.now). */
export function createRequestIds(clock: () => number = Date.now): () => string {
  // Random bytes are drawn 1 KB at a time, 8 a millisecond.
  const pool = Buffer.alloc(1024);
  let poolAt = pool.length;
  let lastMs = -1;
  let counter = 0;
  /** `tttttttt-tttt-7` for lastMs, and `-vrrr-rrrrrrrrrrrr` (variant and rand_b) drawn for it. */
  let head = '';
  let tail = '';

  function startMillisecond(ms: number): void {
    lastMs = ms;
    counter = 0;
    // The 48-bit time as hex, a byte at a time (a double's toString(16) is far slower).
    const high = Math.floor(ms / 0x1000000);
    const low = ms % 0x1000000;
    head = `${HEX[(high >> 16) & 0xff]}${HEX[(high >> 8) & 0xff]}${HEX[high & 0xff]}${HEX[low >> 16]}-${HEX[(low >> 8) & 0xff]}${HEX[low & 0xff]}-7`;
    if (poolAt + 8 > pool.length) {
      randomFillSync(pool);
      poolAt = 0;
    }
    const r = pool;
    const i = poolAt;
    poolAt += 8;
    // The variant (10) in the top bits of the first byte, 62 random bits after it.
    tail = `-${HEX[(r[i]! & 0x3f) | 0x80]}${HEX[r[i + 1]!]}-${HEX[r[i + 2]!]}${HEX[r[i + 3]!]}${HEX[r[i + 4]!]}${HEX[r[i + 5]!]}${HEX[r[i + 6]!]}${HEX[r[i + 7]!]}`;
  }

  return () => {
    const now = clock();
    if (now > lastMs) startMillisecond(now);
    // The clock stepped back, or 4096 ids in one millisecond: carry on from the next
    // millisecond, so ids never repeat and keep their order (RFC 9562 6.2).
    else if (++counter > MAX_COUNTER) startMillisecond(lastMs + 1);
    return `${head}${NIBBLE[counter >> 8]}${HEX[counter & 0xff]}${tail}`;
  };
}

/** A new UUIDv7, e.g. `019ad3c4-5e6f-7000-8a1b-2c3d4e5f6a7b`. */
export const newRequestId = createRequestIds();
