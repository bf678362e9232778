/**
 * The per-provider windows of PROVIDER_RATE_LIMIT_PER_MINUTE (provider-limits.ts),
 * kept in Redis so every worker on every machine draws on one count: a counter
 * per quota, starting with the window's first edit (not the clock minute, see
 * docs/jobs-notes.md), checked and taken in one Lua step so two workers never
 * both take the last place.
 *
 * An edit takes as many places as it makes provider calls at most: one per
 * variation (Gemini makes one request per image). An edit needing more places
 * than the limit has still starts alone in a fresh window, or it never would.
 * A refused edit takes nothing: the worker puts its job back, queued, until
 * the window ends (worker.ts).
 */
import type { Redis } from 'ioredis';
import type { ProviderQuota } from './provider-limits.js';

export const WINDOW_MS = 60_000;
const KEY_PREFIX = 'frameforge:provider-rate:';

/** Returns 0 when the places were taken, else the milliseconds until the window ends. */
const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[3])
local ttl = redis.call('PTTL', KEYS[1])
if used > 0 and used + cost > tonumber(ARGV[1]) then
  if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
  return math.max(ttl, 1)
end
redis.call('INCRBY', KEYS[1], cost)
if used == 0 or ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

export function quotaKey(unit: string): string {
  return `${KEY_PREFIX}${unit}`;
}

/**
 * Takes `cost` places in the quota's current window. Resolves with 0 when the
 * edit may start now, else with how long to wait before asking again.
 */
export async function takeQuota(redis: Redis, quota: ProviderQuota, cost: number): Promise<number> {
  if (quota.perMinute <= 0) return 0;
  const wait = await redis.eval(TAKE, 1, quotaKey(quota.unit), String(quota.perMinute), String(WINDOW_MS), String(Math.max(1, cost)));
  return Number(wait);
}
