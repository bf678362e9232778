/**
 * Builds the web page (src/web) into dist/web: one minified script and one
 * stylesheet bundled by esbuild, every asset named by a hash of its content
 * (so the server can let browsers keep them for a year), and index.html
 * pointing at those names. Run by `npm run build` after tsup (tsup's clean
 * would remove dist/web if it ran first).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.join(root, 'src/web');
const out = path.join(root, 'dist/web');
const assets = path.join(out, 'assets');

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  entryPoints: { app: path.join(src, 'main.ts') },
  bundle: true,
  minify: true,
  format: 'esm',
  // Browsers of the last ~2 years: no polyfills, no transpiled async.
  target: ['chrome115', 'firefox115', 'safari16.4'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

/** The hashed file names esbuild wrote, by extension. */
const built = {};
for (const file of Object.keys(result.metafile.outputs)) built[path.extname(file)] = path.basename(file);
if (!built['.js'] || !built['.css']) throw new Error(`build-web: expected a .js and a .css output, got ${Object.values(built).join(', ')}`);

function hashedCopy(file) {
  const data = readFileSync(file);
  const name = path.basename(file);
  const hash = createHash('sha256').update(data).digest('base64url').slice(0, 10).replace(/[-_]/g, 'x');
  const ext = path.extname(name);
  const hashed = `${path.basename(name, ext)}-${hash}${ext}`;
  copyFileSync(file, path.join(assets, hashed));
  return hashed;
}
const icon = hashedCopy(path.join(src, 'icon.svg'));
// The bundled sample photo, for "use the sample room"; fetched only when asked for.
const sample = hashedCopy(path.join(root, 'assets/sample-room.jpg'));

const html = readFileSync(path.join(src, 'index.html'), 'utf8')
  .replaceAll('%APP_JS%', `/assets/${built['.js']}`)
  .replaceAll('%APP_CSS%', `/assets/${built['.css']}`)
  .replaceAll('%ICON%', `/assets/${icon}`)
  .replaceAll('%SAMPLE%', `/assets/${sample}`);
writeFileSync(path.join(out, 'index.html'), html);
