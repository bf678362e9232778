/**
 * `frameforge worker`: takes jobs from the BullMQ queue on REDIS_URL and runs
 * them, `--concurrency` at a time, until SIGTERM/SIGINT; then it stops taking
 * jobs and lets the ones it runs finish (a second signal exits at once; the
 * jobs it held are taken up again by another worker once their lock expires).
 */
import { loadConfig } from '../../core/config.js';
import { FrameForgeError } from '../../core/errors.js';
import { describeLimits } from '../../jobs/provider-limits.js';
import { parseProvider } from '../../providers/registry.js';
import type { CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';
import { serverLogger } from './serve.js';

export interface WorkerCommandOptions {
  concurrency?: string;
}

export async function workerCommand(options: WorkerCommandOptions, globals: GlobalOptions, io: CliIO): Promise<number> {
  const config = await loadConfig({
    cwd: io.cwd,
    env: io.env,
    flags: options.concurrency !== undefined ? { jobConcurrency: options.concurrency } : {},
    ...(globals.config ? { configFile: globals.config } : {}),
  });
  const { redisUrl } = config;
  if (!redisUrl) {
    throw new FrameForgeError('usage', 'frameforge worker needs REDIS_URL, the Redis its servers queue jobs on.', {
      subject: 'REDIS_URL',
      hint: 'Set REDIS_URL=redis://host:6379 (without Redis, `frameforge serve` runs jobs itself).',
    });
  }
  parseProvider(config.defaultProvider, config);
  const logger = await serverLogger(config, io);
  const { startWorker } = await import('../../jobs/worker.js');
  const worker = await startWorker({
    config: { ...config, redisUrl },
    concurrency: config.jobConcurrency,
    onError: (what, error) => logger.warn(`${what}: ${error.message}`),
    onWebhookGaveUp: (message, fields) => logger.warn(message, fields),
    onEnded: (record) => logger.info('job ended', { job: record.id, status: record.status, attempts: record.attempts, ...(record.error ? { code: record.error.code } : {}) }),
  });
  logger.info('worker ready', { concurrency: config.jobConcurrency, pid: process.pid, providerLimitsPerMinute: describeLimits(config.providerRateLimitPerMinute) });

  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  logger.info('signal received: finishing the jobs in hand');
  await worker.close();
  logger.info('stopped');
  logger.flush();
  return 0;
}
