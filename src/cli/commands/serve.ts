/**
 * `frameforge serve`: validates the configuration, starts the HTTP API and
 * prints the URL it listens on to stdout (one line, for scripts). It runs
 * until `io.signal` aborts (run.ts aborts it on the first SIGTERM/SIGINT),
 * then drains requests in flight (up to 30 s) and returns 0; a second signal
 * is run.ts's to handle (exit at once).
 */
import { loadConfig, type Config } from '../../core/config.js';
import { FrameForgeError } from '../../core/errors.js';
import { parseProvider } from '../../providers/registry.js';
import type { CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';

export interface ServeCommandOptions {
  host?: string;
  port?: string;
  /** false with --no-ui; commander leaves it true otherwise, which must not override SERVE_UI. */
  ui?: boolean;
  /** Commander's `--no-worker`: false when given. */
  worker?: boolean;
}

/** The JSON (or, on a terminal, pretty) logger of `serve` and `worker`, scrubbing every configured secret. */
export async function serverLogger(config: Config, io: CliIO) {
  const { createLogger } = await import('../../server/logger.js');
  return createLogger({
    level: config.logLevel,
    format: config.logFormat ?? (io.stderr.isTTY ? 'pretty' : 'json'),
    // The real stderr gets the batched writer; an injected one (tests) gets each line.
    ...(io.stderr === process.stderr ? {} : { sink: (line: string) => void io.stderr.write(`${line}\n`) }),
    secrets: [config.googleApiKey, config.falKey, config.redisUrl, config.jobKeySecret, config.webhookSecret],
  });
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/** Warnings for a configuration that starts but is probably not what the operator wants. Never prints a value. */
export function startupWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (!config.googleApiKey && !config.falKey && !config.devMode) {
    warnings.push(
      'No provider key is set (GOOGLE_API_KEY, GEMINI_API_KEY, FAL_KEY): edits need per-request key headers, the mock provider, or DEV_MODE=true.',
    );
  }
  if (!isLoopbackHost(config.host) && !config.serverTokens && !config.serverTokensFile && !config.requireClientKeys) {
    warnings.push(
      `Listening on ${config.host}, which other machines can reach, with neither SERVER_TOKENS / SERVER_TOKENS_FILE nor REQUIRE_CLIENT_KEYS set: anyone who can reach this port can run edits on this server's provider keys. Set SERVER_TOKENS (\`frameforge token\` makes one) or REQUIRE_CLIENT_KEYS=true; see docs/deployment.md.`,
    );
  }
  if (config.allowedOrigins.includes('*') && !config.devMode) {
    warnings.push('ALLOWED_ORIGINS is * with DEV_MODE off: any web site may call this API; set ALLOWED_ORIGINS to your front end\'s origin.');
  }
  return warnings;
}

export async function serveCommand(options: ServeCommandOptions, globals: GlobalOptions, io: CliIO): Promise<number> {
  const config = await loadConfig({
    cwd: io.cwd,
    env: io.env,
    flags: {
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.ui === false ? { serveUi: false } : {}),
    },
    ...(globals.config ? { configFile: globals.config } : {}),
  });
  // An unusable default provider is a configuration error now, not a 400 on every edit later.
  parseProvider(config.defaultProvider, config);

  if (options.worker === false && !config.redisUrl) {
    throw new FrameForgeError('usage', '--no-worker needs REDIS_URL: without it, jobs run inside serve.', { subject: 'REDIS_URL' });
  }
  const { serve } = await import('../../server/serve.js');
  const logger = await serverLogger(config, io);
  for (const warning of startupWarnings(config)) logger.warn(warning);

  const server = await serve({ config, logger, ...(options.worker === false ? { noWorker: true } : {}) });
  io.stdout.write(`${server.url}\n`);

  await new Promise<void>((resolve) => {
    const drain = () => {
      const reason: unknown = io.signal.reason;
      logger.info('signal received: draining requests in flight', { reason: reason instanceof Error ? reason.message : String(reason) });
      void server.close().then(() => {
        logger.flush();
        resolve();
      });
    };
    if (io.signal.aborted) drain();
    else io.signal.addEventListener('abort', drain, { once: true });
  });
  return 0;
}
