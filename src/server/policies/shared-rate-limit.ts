/**
 * Per-client fixed-window limits kept in Redis, so N servers behind a load
 * balancer enforce one limit: one counter per client and window, INCR and
 * PEXPIRE in one Lua step; the window starts with the client's first request
 * (not the clock hour), like the in-memory limiter (docs/jobs-notes.md).
 *
 * When Redis cannot answer (down, unreachable, or slower than
 * COMMAND_TIMEOUT_MS), the request is counted by this server's own in-memory
 * limiter instead: the same limit then holds per server rather than across
 * all of them. A Redis outage neither takes the API down (failing closed) nor
 * lifts every limit (failing open); one warning is logged when it starts and
 * one when Redis answers again.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRateLimiter, type AnyRateLimiter, type RateLimitDecision } from './rate-limit.js';

const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true, retryAfter: 0 });
/** A request waits at most this long for Redis before the local count decides. */
const COMMAND_TIMEOUT_MS = 500;

/** Returns {count, milliseconds left in the window}. */
const TAKE = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

export interface SharedLimits {
  limiter(name: string, limit: number, windowMs: number): AnyRateLimiter;
  close(): Promise<void>;
}

/** Resolves once connected (or after `waitMs`: until Redis is reachable, each server counts on its own). */
export async function createSharedLimits(url: string, warn: (message: string) => void, waitMs = 5000): Promise<SharedLimits> {
  // Fail fast rather than queue commands while Redis is away: the local count decides meanwhile.
  const redis = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: COMMAND_TIMEOUT_MS });
  let degraded = false;
  const down = (why: string) => {
    if (degraded) return;
    degraded = true;
    warn(`shared rate limits unavailable (${why}): each server counts on its own until Redis answers`);
  };
  redis.on('error', (error: Error) => down(error.message));
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    timer = setTimeout(resolve, waitMs);
    redis.once('ready', () => resolve());
  });
  clearTimeout(timer);
  return {
    limiter(name, limit, windowMs) {
      const local = createRateLimiter({ limit, windowMs });
      return {
        async take(key) {
          if (limit === 0) return ALLOWED;
          // Hashed: an IP or a token digest, kept short and never readable in Redis.
          const id = createHash('sha256').update(key).digest('base64url').slice(0, 22);
          try {
            const [count, ttl] = (await redis.eval(TAKE, 1, `frameforge:rate:${name}:${id}`, String(windowMs))) as [number, number];
            if (degraded) {
              degraded = false;
              warn('shared rate limits restored: Redis answers again');
            }
            if (count <= limit) return ALLOWED;
            return { allowed: false, retryAfter: Math.max(1, Math.ceil(ttl / 1000)) };
          } catch (error) {
            down((error as Error).message);
            return local.take(key);
          }
        },
      };
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
