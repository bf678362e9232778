/**
 * `frameforge health`: is this setup able to edit? Checks the configuration,
 * the default provider's key and the image library, offline: no network call.
 * With --live, one more check makes one cheap authenticated call to the
 * provider (its `probe`: Gemini models.get, fal's pricing API), announced on
 * stderr before it goes out. With --url, asks a running server's /api/health
 * instead. Exit 0 when every check passes, 1 otherwise.
 */
import { loadConfig, type Config } from '../../core/config.js';
import { FrameForgeError, isFrameForgeError, toFrameForgeError } from '../../core/errors.js';
import { listProviders, parseProvider, resolveProvider } from '../../providers/registry.js';
import { colors, writeJson, type CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** The stable error code of a failed check, when it has one (invalid_api_key, model_not_found ...). */
  code?: string;
}

export interface HealthOptions {
  url?: string;
  json?: boolean;
  live?: boolean;
  provider?: string;
}

/** A live call gets this long; a provider that has not answered by then is reported, not waited on. */
const LIVE_TIMEOUT_MS = 20_000;

/** Where the probe will go, said before it goes (the user asked for a network call; they see which). */
function liveNotice(requested: string, config: Config): string {
  const spec = parseProvider(requested, config);
  if (spec.kind === 'google') {
    const host = config.googleBaseUrl ?? 'https://generativelanguage.googleapis.com';
    return `health --live: making one network call to Gemini (${host}): models.get for ${spec.model} on ${config.googleApiVersion}. It edits nothing and is not billed.`;
  }
  if (spec.kind === 'fal') {
    const via = config.falProxyUrl ? ` through FAL_PROXY_URL ${config.falProxyUrl}` : '';
    return `health --live: making one network call to fal (api.fal.ai${via}): its pricing API for ${spec.endpoint}. It edits nothing and is not billed.`;
  }
  return `health --live: ${spec.id} runs offline; no network call is made.`;
}

async function liveCheck(config: Config, requested: string, io: CliIO): Promise<Check> {
  const name = `live ${requested}`;
  const deadline = AbortSignal.timeout(LIVE_TIMEOUT_MS);
  try {
    io.stderr.write(`${liveNotice(requested, config)}\n`);
    // DEV_MODE would answer a missing key with the mock: a live check must not pass that way.
    const resolved = await resolveProvider(requested, { ...config, devMode: false }, {}, { audience: 'cli' });
    if (!resolved.provider.probe) return { name, ok: true, detail: `${resolved.provider.id} has nothing to check live (no network, no key).` };
    const result = await resolved.provider.probe(AbortSignal.any([io.signal, deadline]));
    return { name, ok: true, detail: result.unchecked ? `${result.detail} ${result.unchecked}` : result.detail };
  } catch (error) {
    if (deadline.aborted && !io.signal.aborted) {
      return { name, ok: false, code: 'provider_timeout', detail: `${requested}: the provider did not answer within ${LIVE_TIMEOUT_MS / 1000} s.` };
    }
    const failure = toFrameForgeError(error);
    return { name, ok: false, code: failure.code, detail: failure.detail };
  }
}

async function localChecks(globals: GlobalOptions, io: CliIO, options: HealthOptions): Promise<Check[]> {
  const checks: Check[] = [];
  let config;
  try {
    config = await loadConfig({ cwd: io.cwd, env: io.env, ...(globals.config ? { configFile: globals.config } : {}) });
    checks.push({ name: 'config', ok: true, detail: config.configFile ? `valid (${config.configFile})` : 'valid (no config file)' });
  } catch (error) {
    checks.push({ name: 'config', ok: false, detail: isFrameForgeError(error) ? error.detail : String(error) });
  }
  if (config) {
    const providers = listProviders(config);
    const ready = providers.filter((p) => p.ready).map((p) => p.id);
    const defaultProvider = providers.find((p) => p.default);
    const defaultOk = Boolean(defaultProvider?.ready) || config.devMode;
    checks.push({
      name: 'default provider',
      ok: defaultOk,
      detail: defaultProvider?.ready
        ? `${config.defaultProvider} is ready`
        : `${config.defaultProvider} has no key (set ${defaultProvider?.needs})${config.devMode ? '; DEV_MODE answers with mock' : ''}`,
    });
    checks.push({ name: 'keys', ok: true, detail: `ready: ${ready.join(', ')}` });
  }
  try {
    const sharp = (await import('sharp')).default;
    const formats = Object.entries(sharp.format)
      .filter(([, f]) => f.input.buffer)
      .map(([name]) => name);
    // Encode and decode a pixel: proves the native library loads and works, not just that it is installed.
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#888' } }).png().toBuffer();
    const meta = await sharp(png).metadata();
    checks.push({ name: 'image library', ok: meta.width === 2, detail: `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}; reads ${formats.join(', ')}` });
  } catch (error) {
    checks.push({ name: 'image library', ok: false, detail: `sharp failed to load: ${(error as Error).message}` });
  }
  if (options.live && config) checks.push(await liveCheck(config, options.provider?.trim() || config.defaultProvider, io));
  return checks;
}

async function remoteCheck(url: string): Promise<Check> {
  let target: URL;
  try {
    target = new URL('/api/health', url);
  } catch {
    return { name: 'server', ok: false, detail: `--url ${url} is not a URL` };
  }
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json().catch(() => undefined)) as { status?: string } | undefined;
    const ok = response.ok && body?.status === 'ok';
    return { name: 'server', ok, detail: `${target.href} answered ${response.status}${body ? ` ${JSON.stringify(body)}` : ''}` };
  } catch (error) {
    const reason = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return { name: 'server', ok: false, detail: `${target.href} did not answer (${reason})` };
  }
}

export async function healthCommand(options: HealthOptions, globals: GlobalOptions, io: CliIO): Promise<number> {
  if (options.provider !== undefined && !options.live) {
    throw new FrameForgeError('usage', '--provider chooses what --live checks; add --live.', { subject: '--provider' });
  }
  const checks = options.url ? [await remoteCheck(options.url)] : await localChecks(globals, io, options);
  const ok = checks.every((c) => c.ok);
  if (options.json) {
    writeJson(io, { status: ok ? 'ok' : 'error', checks });
  } else {
    const c = colors(io);
    for (const check of checks) {
      io.stdout.write(`${check.ok ? c.green('ok  ') : c.red('FAIL')} ${check.name}: ${check.detail}\n`);
    }
  }
  return ok ? 0 : 1;
}
