/**
 * The web page's files, read once at startup from the build output
 * (dist/web: index.html and content-hashed assets, made by
 * scripts/build-web.mjs with the package; nothing is built at run time).
 * Each file is held in memory with its gzip and br forms made up front:
 * the whole page is a few tens of KB, and a request then costs no disk
 * read and no compression.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { FrameForgeError } from '../../core/errors.js';

export interface PageFile {
  /** The URL path it answers, e.g. `/` or `/assets/app-3F2A1B.js`. */
  urlPath: string;
  contentType: string;
  /** `no-cache` for the page (it names the current assets), a year and immutable for hashed assets. */
  cacheControl: string;
  etag: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/** Values the page reads from `<meta>` tags (no inline script is allowed to carry them). */
export interface PageValues {
  defaultPrompt: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
  '.jpg': 'image/jpeg',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Where the build put the page: next to the bundled server in dist/, or,
 * when the server runs from source (tests import src/), the repo's dist/web.
 */
export function defaultPageDir(): string | undefined {
  const candidates = [new URL('./web/', import.meta.url), new URL('../../../dist/web/', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function pageFile(urlPath: string, identity: Buffer, contentType: string, cacheControl: string): PageFile {
  return {
    urlPath,
    contentType,
    cacheControl,
    // Weak: the same tag stands for the identity, gzip and br forms.
    etag: `W/"${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}"`,
    identity,
    gzip: gzipSync(identity, { level: 9 }),
    br: brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  };
}

/** Reads the page from `dir`; a missing build is a clear error, not a 404 at run time. */
export function loadPage(dir: string | undefined, values: PageValues): PageFile[] {
  if (!dir || !existsSync(path.join(dir, 'index.html'))) {
    throw new FrameForgeError('invalid_config', 'The web page is not built (dist/web/index.html is missing).', {
      subject: 'SERVE_UI',
      hint: 'Run `npm run build`, or start with --no-ui (SERVE_UI=false) to serve only the API.',
    });
  }
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8').replaceAll(
    '%DEFAULT_PROMPT%',
    escapeAttribute(values.defaultPrompt),
  );
  const files = [pageFile('/', Buffer.from(html), TYPES['.html']!, 'no-cache')];
  const assets = path.join(dir, 'assets');
  for (const name of existsSync(assets) ? readdirSync(assets).sort() : []) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    files.push(pageFile(`/assets/${name}`, readFileSync(path.join(assets, name)), type, IMMUTABLE));
  }
  return files;
}
