/**
 * The README's model tables, rendered from the catalogues (gemini-models.ts,
 * fal-models.ts), so the documentation cannot drift from what FrameForge
 * sends. A test compares the README's marked section with this output;
 * `npm run docs:models` rewrites it.
 */
import { FAL_MODELS, FAL_TEXT_TO_IMAGE, type FalModel } from './fal-models.js';
import { GEMINI_MODELS } from './gemini-models.js';

const code = (s: string): string => `\`${s}\``;

function falSize(model: FalModel): string {
  const size = model.size;
  if (!size) return 'none';
  if (size.param === 'resolution') return `${code('resolution')}: ${size.values.join(', ')}`;
  if (size.param === 'resolution_mode') return `${code('resolution_mode')}: ${code('match_input')}`;
  const mp = (px: number): string => `${(px / 1_000_000).toFixed(1)} MP`;
  const sides = size.minSide ? `, sides ${size.minSide}-${size.maxSide}` : '';
  return `${code('image_size')} {width, height}: ${mp(size.minPixels)}-${mp(size.maxPixels)}${sides}`;
}

function falAspect(model: FalModel): string {
  const aspect = model.aspect;
  if (!aspect) return 'none';
  if (aspect.param === 'image_size') return `any, through ${code('image_size')}`;
  return `${code(aspect.param)}: ${aspect.values.join(', ')}`;
}

function geminiTable(): string {
  const rows = GEMINI_MODELS.map((m) => {
    const status = m.status === 'stable' ? 'stable' : `${m.status}${m.shutdown ? ` (shutdown ${m.shutdown})` : ''}${m.replacement ? `, use ${code(m.replacement)}` : ''}`;
    const sizes = m.imageSizes.length ? m.imageSizes.join(', ') : 'none (about 1K)';
    return `| ${code(m.id)} | ${m.name} | ${status} | ${sizes} | ${m.aspectRatios.join(', ')} | ${m.maxImages} (best up to ${m.recommendedImages}) |`;
  });
  return [
    '| model | name | status | `imageSize` | `aspectRatio` | images |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function falTable(): string {
  const rows = FAL_MODELS.map((m) => {
    const count = m.numImages ? `yes${m.numImages.max ? ` (1-${m.numImages.max})` : ''}` : 'no';
    const name = `${m.name}${m.legacy ? ' (legacy)' : ''}`;
    const formats = m.outputFormats.length ? m.outputFormats.join(', ') : 'none';
    return `| ${code(m.endpoint)} | ${name} | ${code(m.field)} (${m.maxImages}) | ${falSize(m)} | ${falAspect(m)} | ${count} | ${formats} |`;
  });
  return [
    '| endpoint | model | images | size parameter | aspect ratio | `num_images` | output format |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function textToImageTable(): string {
  const rows = FAL_TEXT_TO_IMAGE.map((t) =>
    t.editVia ? `| ${code(t.endpoint)} | edits through ${code(t.editVia)}, with a notice |` : `| ${code(t.endpoint)} | refused (${code('not_an_edit_model')}); use ${code(t.suggest)} |`,
  );
  return ['| text-to-image id | what FrameForge does |', '|---|---|', ...rows].join('\n');
}

/** The Markdown between the README's `models:start` and `models:end` markers. */
export function modelsMarkdown(): string {
  return [
    '#### Gemini models',
    '',
    geminiTable(),
    '',
    '#### fal edit models',
    '',
    falTable(),
    '',
    '#### fal text-to-image ids',
    '',
    textToImageTable(),
    '',
  ].join('\n');
}
