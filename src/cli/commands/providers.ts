/** `frameforge providers`: which providers exist, which are ready, which is the default. */
import { loadConfig } from '../../core/config.js';
import { priceRowOf, pricesBySize } from '../../core/staging/prices.js';
import { listProviders, parseProvider } from '../../providers/registry.js';
import { colors, writeJson, type CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';

export async function providersCommand(options: { json?: boolean }, globals: GlobalOptions, io: CliIO): Promise<number> {
  const config = await loadConfig({ cwd: io.cwd, env: io.env, ...(globals.config ? { configFile: globals.config } : {}) });
  const providers = listProviders(config);
  if (options.json) {
    // The price of one edit where FrameForge's table knows it (src/core/staging/prices.ts).
    const priced = providers.map((p) => {
      const row = priceRowOf(parseProvider(p.id, config));
      if (!row) return p;
      // usd: the 1K (or only) figure; bySize: each size's, where known.
      const bySize = pricesBySize(row);
      const usd = typeof row.usd === 'number' ? row.usd : bySize['1K'];
      return { ...p, price: { ...(usd !== undefined ? { usd } : {}), bySize, per: 'image', source: row.source, checked: row.checked } };
    });
    writeJson(io, { default: config.defaultProvider, providers: priced });
    return 0;
  }
  const c = colors(io);
  const width = Math.max(...providers.map((p) => p.id.length)) + 2;
  for (const p of providers) {
    const state = p.ready ? c.green('ready') : c.yellow(`needs ${p.needs}`);
    io.stdout.write(`${p.id.padEnd(width)}${state}${p.default ? c.bold('  (default)') : ''}\n`);
  }
  io.stderr.write(c.dim('Any fal:<endpoint-id> works, listed or not; google:<model-id> picks a Gemini model.\n'));
  return 0;
}
