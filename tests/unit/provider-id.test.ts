import { describe, expect, test } from 'vitest';
import { configFrom } from '../../src/core/config.js';
import { LISTED_PROVIDER_IDS, parseProviderId } from '../../src/providers/provider-id.js';
import { listProviders, resolveProvider } from '../../src/providers/registry.js';

const MODEL = 'gemini-3.1-flash-image';

describe('provider ids', () => {
  test('the contract ids resolve, prefixes case-insensitively, endpoints keeping their case', () => {
    expect(parseProviderId('mock', MODEL)).toEqual({ kind: 'mock', id: 'mock' });
    expect(parseProviderId('Google', MODEL)).toEqual({ kind: 'google', id: 'google', model: MODEL });
    expect(parseProviderId('NANO-BANANA', MODEL)).toMatchObject({ kind: 'google', model: MODEL });
    expect(parseProviderId('google:gemini-3-pro-image-preview', MODEL)).toMatchObject({ model: 'gemini-3-pro-image-preview' });
    expect(parseProviderId('FAL:fal-ai/Flux-Kontext/dev', MODEL)).toEqual({ kind: 'fal', id: 'fal:fal-ai/Flux-Kontext/dev', endpoint: 'fal-ai/Flux-Kontext/dev' });
    expect(parseProviderId('fal:fal-ai/bytedance/seedream/v4/edit', MODEL)).toMatchObject({ endpoint: 'fal-ai/bytedance/seedream/v4/edit' });
  });

  test('nano-banana follows GOOGLE_MODEL_ID; nano-banana-pro is gemini-3-pro-image', () => {
    expect(parseProviderId('nano-banana', 'my-model')).toEqual({ kind: 'google', id: 'nano-banana', model: 'my-model' });
    expect(parseProviderId('Nano-Banana-Pro', 'my-model')).toEqual({ kind: 'google', id: 'nano-banana-pro', model: 'gemini-3-pro-image' });
    expect(parseProviderId('google:gemini-2.5-flash-image', MODEL)).toMatchObject({ model: 'gemini-2.5-flash-image' });
  });

  test('fal:fal-ai/flux/dev edits through its image-to-image sibling, with a notice', () => {
    expect(parseProviderId('fal:fal-ai/flux/dev', MODEL)).toEqual({
      kind: 'fal',
      id: 'fal:fal-ai/flux/dev/image-to-image',
      endpoint: 'fal-ai/flux/dev/image-to-image',
      notice: expect.stringMatching(/text-to-image.*fal:fal-ai\/flux\/dev\/image-to-image/),
    });
  });

  test.each([
    ['fal:fal-ai/nano-banana-2', 'fal:fal-ai/nano-banana-2/edit'],
    ['fal:fal-ai/bytedance/seedream/v4/text-to-image', 'fal:fal-ai/bytedance/seedream/v4/edit'],
    ['fal:fal-ai/flux-2-pro', 'fal:fal-ai/flux-2-pro/edit'],
  ])('%s is not an edit model: refused, naming %s', (id, suggestion) => {
    expect(() => parseProviderId(id, MODEL)).toThrow(
      expect.objectContaining({ code: 'not_an_edit_model', status: 400, exitCode: 2, hint: expect.stringContaining(suggestion) }),
    );
  });

  test.each(['fal:../x', 'fal:fal-ai/../x', 'fal:https://evil.test/x', 'fal:fal-ai//edit', 'fal:fal-ai', 'fal:', 'fal:fal ai/x', 'google:../x', 'google:a?b'])(
    '%s is refused as a bad request before any network call',
    (id) => {
      expect(() => parseProviderId(id, MODEL)).toThrow(expect.objectContaining({ code: 'invalid_provider_id', status: 400, exitCode: 2 }));
    },
  );

  test('an unknown id lists the known ones', () => {
    expect(() => parseProviderId('dall-e', MODEL)).toThrow(expect.objectContaining({ code: 'unknown_provider', status: 404 }));
    try {
      parseProviderId('dall-e', MODEL);
    } catch (error) {
      expect((error as { hint: string }).hint).toContain('fal:fal-ai/nano-banana/edit');
    }
  });

  test('the listed ids are the contract list, sorted', () => {
    expect(LISTED_PROVIDER_IDS).toEqual([
      'fal:fal-ai/bytedance/seedream/v4.5/edit',
      'fal:fal-ai/bytedance/seedream/v4/edit',
      'fal:fal-ai/flux-2/edit',
      'fal:fal-ai/flux-kontext/dev',
      'fal:fal-ai/flux/dev/image-to-image',
      'fal:fal-ai/nano-banana-2/edit',
      'fal:fal-ai/nano-banana-pro/edit',
      'fal:fal-ai/nano-banana/edit',
      'fal:fal-ai/qwen-image-edit-2511',
      'google',
      'mock',
      'nano-banana',
      'nano-banana-pro',
    ]);
  });
});

describe('the registry', () => {
  test('a missing key names the variable and the header', async () => {
    await expect(resolveProvider('google', configFrom())).rejects.toMatchObject({
      code: 'missing_api_key',
      status: 401,
      exitCode: 2,
      detail: expect.stringMatching(/GOOGLE_API_KEY.*X-Google-API-Key/),
    });
    await expect(resolveProvider('fal:fal-ai/flux-kontext/dev', configFrom())).rejects.toMatchObject({
      detail: expect.stringMatching(/FAL_KEY.*X-Fal-Key/),
    });
  });

  test('DEV_MODE answers with mock when a key is missing, and says so', async () => {
    const resolved = await resolveProvider('google', configFrom({ devMode: true }));
    expect(resolved.provider.kind).toBe('mock');
    expect(resolved.fallback).toBe('mock');
    expect(resolved.warnings.join(' ')).toMatch(/DEV_MODE/);
  });

  test('a per-request key makes a provider ready without configuration', async () => {
    const resolved = await resolveProvider('fal:fal-ai/flux-kontext/dev', configFrom(), { fal: 'request-key' });
    expect(resolved.provider.kind).toBe('fal');
    expect(resolved.fallback).toBeUndefined();
  });

  test('listProviders reports readiness and the default', () => {
    const list = listProviders(configFrom({ falKey: 'k', defaultProvider: 'mock' }));
    expect(list.find((p) => p.id === 'mock')).toMatchObject({ ready: true, default: true });
    expect(list.find((p) => p.id === 'fal:fal-ai/nano-banana/edit')).toMatchObject({ ready: true, default: false });
    expect(list.find((p) => p.id === 'google')).toMatchObject({ ready: false, needs: expect.stringContaining('GOOGLE_API_KEY') });
  });
});
