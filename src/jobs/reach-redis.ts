/**
 * One quick look at a Redis before anything is queued on it: the shared
 * connections retry for ever (they must ride out a Redis restart), so a wrong
 * URL would otherwise hang the command instead of failing it.
 */
import { Redis } from 'ioredis';
import { FrameForgeError } from '../core/errors.js';

const REACH_TIMEOUT_MS = 5_000;

/** The URL without its password, for messages: redis://host:port/db. */
export function redisWhere(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'the Redis URL';
  }
}

/** Resolves once `url` answers PING; throws a setup error naming `setting` otherwise. */
export async function reachRedis(url: string, setting: string, timeoutMs = REACH_TIMEOUT_MS): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let last: Error | undefined;
  client.on('error', (error: Error) => (last = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = (last ?? (error as Error)).message;
    throw new FrameForgeError('queue_unreachable', `Cannot reach the Redis of ${setting} at ${redisWhere(url)}: ${reason}.`, {
      subject: setting,
      cause: error,
      hint: 'Check the URL and that redis-server runs there (and that its password, if any, is in the URL).',
    });
  } finally {
    client.disconnect();
  }
}
