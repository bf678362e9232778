import { describe, expect, test } from 'vitest';
import { assertDistinctOutputs, fileSafeProviderId, renderTemplate, validateTemplate } from '../../src/core/batch/output-names.js';

describe('output names', () => {
  test.each([
    ['fal:fal-ai/nano-banana/edit', 'fal-fal-ai-nano-banana-edit'],
    ['google:gemini-2.5-flash-image', 'google-gemini-2.5-flash-image'],
    ['mock', 'mock'],
  ])('provider id %s becomes %s', (id, safe) => {
    expect(fileSafeProviderId(id)).toBe(safe);
  });

  test('renders every placeholder', () => {
    const values = { name: 'room', ext: 'jpg', provider: 'mock', input_ext: 'png' };
    expect(renderTemplate('{name}.{input_ext}.{provider}.{ext}', values)).toBe('room.png.mock.jpg');
  });

  test('accepts the default-like templates and refuses unsafe ones', () => {
    expect(() => validateTemplate('{name}.{provider}.{ext}')).not.toThrow();
    expect(() => validateTemplate('{name}\\x.{ext}')).toThrow(/may not contain/);
  });

  test('lists every collision at once and refuses outputs onto inputs', () => {
    const plan = [
      { input: 'a/room.jpg', output: 'out/room.edited.jpg' },
      { input: 'a/room.png', output: 'out/room.edited.jpg' },
      { input: 'b/hall.jpg', output: 'out/hall.edited.jpg' },
      { input: 'b/hall.webp', output: 'out/hall.edited.jpg' },
    ];
    expect(() => assertDistinctOutputs(plan, [], '/tmp')).toThrow(/a\/room\.jpg and a\/room\.png -> out\/room\.edited\.jpg; b\/hall\.jpg and b\/hall\.webp/);
    expect(() => assertDistinctOutputs([{ input: 'x.jpg', output: 'y.jpg' }], ['y.jpg'], '/tmp')).toThrow(/it is an input/);
  });
});
