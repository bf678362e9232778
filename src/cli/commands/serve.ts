/**
 * `frameforge serve`: validates the configuration, starts the HTTP API and
 * prints the URL it listens on to stdout (one line, for scripts). The first
 * SIGTERM/SIGINT drains requests in flight (up to 30 s) and the command
 * returns 0; a second signal exits at once. run.ts leaves these signals to
 * this command, which is why it alone calls process.exit here.
 */
import { loadConfig, type Config } from '../../core/config.js';
import { parseProvider } from '../../providers/registry.js';
import type { CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';

export interface ServeCommandOptions {
  host?: string;
  port?: string;
}

/** Warnings for a configuration that starts but is probably not what the operator wants. Never prints a value. */
export function startupWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (!config.googleApiKey && !config.falKey && !config.devMode) {
    warnings.push(
      'No provider key is set (GOOGLE_API_KEY, GEMINI_API_KEY, FAL_KEY): edits need per-request key headers, the mock provider, or DEV_MODE=true.',
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
    },
    ...(globals.config ? { configFile: globals.config } : {}),
  });
  // An unusable default provider is a configuration error now, not a 400 on every edit later.
  parseProvider(config.defaultProvider, config);

  const { serve } = await import('../../server/serve.js');
  const { createLogger } = await import('../../server/logger.js');
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat ?? (io.stderr.isTTY ? 'pretty' : 'json'),
    // The real stderr gets the batched writer; an injected one (tests) gets each line.
    ...(io.stderr === process.stderr ? {} : { sink: (line: string) => void io.stderr.write(`${line}\n`) }),
    secrets: [config.googleApiKey, config.falKey],
  });
  for (const warning of startupWarnings(config)) logger.warn(warning);

  const server = await serve({ config, logger });
  io.stdout.write(`${server.url}\n`);

  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn('second signal: exiting now', { signal });
        logger.flush();
        process.exit(130);
      }
      logger.info('signal received: draining requests in flight', { signal });
      void server.close().then(() => {
        logger.flush();
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return 0;
}
