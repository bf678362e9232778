/**
 * `frameforge edit --queue`: what a batch needs to hand its items to
 * `frameforge worker`s through Redis instead of editing them here. The batch
 * itself is the same loop with another item runner (core/batch/queue-runner.ts).
 */
import type { Config } from '../../core/config.js';
import { FrameForgeError } from '../../core/errors.js';
import type { JobQueue } from '../../jobs/types.js';
import { resolveProvider, type ResolvedProvider } from '../../providers/registry.js';
import type { CliIO } from '../io.js';

/** The Redis to queue on: `--queue <url>`, or REDIS_URL for `--queue` alone; undefined without --queue. */
export function queueUrlOf(queue: string | boolean | undefined, config: Config): string | undefined {
  if (queue === undefined || queue === false) return undefined;
  const raw = queue === true ? config.redisUrl : queue.trim();
  if (!raw) {
    throw new FrameForgeError('usage', '--queue needs the Redis URL its workers take jobs from.', {
      subject: '--queue',
      hint: 'Give it (--queue redis://host:6379) or set REDIS_URL.',
    });
  }
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  // The value is not repeated: a Redis URL may carry a password.
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    throw new FrameForgeError('usage', '--queue must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379.', { subject: '--queue' });
  }
  return raw;
}

/**
 * The provider as the workers will build it, for what the batch checks and
 * says before anything is queued: the options the model takes, its model
 * name, its notices. The workers edit with their own keys, so none is needed
 * here: a stand-in key builds the provider, which this process never calls.
 */
export function resolveForQueue(provider: string | undefined, config: Config): Promise<ResolvedProvider> {
  const unused = 'not-used-the-workers-bring-their-own-key';
  return resolveProvider(provider, { ...config, devMode: false }, { google: unused, fal: unused });
}

/** Checks that Redis answers (a setup error naming --queue if not), then opens the job queue on it. */
export async function openQueue(url: string, config: Config, io: CliIO): Promise<JobQueue> {
  const { reachRedis } = await import('../../jobs/reach-redis.js');
  await reachRedis(url, '--queue');
  const { createRedisQueue } = await import('../../jobs/redis-queue.js');
  // The connections retry through a Redis restart; say so once per distinct trouble, not per retry.
  let last = '';
  return createRedisQueue({
    config: { ...config, redisUrl: url },
    onError: (what, error) => {
      const line = `warning: ${what}: ${error.message}`;
      if (line !== last) io.stderr.write(`${line}\n`);
      last = line;
    },
  });
}
