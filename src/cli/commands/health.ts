/**
 * `frameforge health`: is this setup able to edit? Checks the configuration,
 * the default provider's key and the image library; with --url, asks a running
 * server's /api/health instead. Exit 0 when every check passes, 1 otherwise.
 */
import { loadConfig } from '../../core/config.js';
import { isFrameForgeError } from '../../core/errors.js';
import { listProviders } from '../../providers/registry.js';
import { colors, writeJson, type CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function localChecks(globals: GlobalOptions, io: CliIO): Promise<Check[]> {
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

export async function healthCommand(options: { url?: string; json?: boolean }, globals: GlobalOptions, io: CliIO): Promise<number> {
  const checks = options.url ? [await remoteCheck(options.url)] : await localChecks(globals, io);
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
