/**
 * The provider registry (src/providers/registry.ts) in detail: which key a
 * provider gets (the request's over the server's, never the server's under
 * REQUIRE_CLIENT_KEYS), the account a result is cached under, what a missing
 * key says to a server client and to a terminal user, and what DEV_MODE does.
 * Nothing is called: a resolved provider is only built.
 */
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/core/config.js';
import { keyFor, listProviders, missingKeyError, resolveProvider } from '../../src/providers/registry.js';
import { failure } from '../support/failure.js';

describe('which key a provider gets', () => {
  const config = configFrom({ googleApiKey: 'server-google', falKey: 'server-fal' });

  it('the request\'s key wins over the server\'s, each for its own provider', () => {
    expect(keyFor('google', config, { google: 'req-google', fal: 'req-fal' })).toBe('req-google');
    expect(keyFor('fal', config, { google: 'req-google', fal: 'req-fal' })).toBe('req-fal');
    expect(keyFor('google', config, { fal: 'req-fal' })).toBe('server-google');
    expect(keyFor('fal', config, { google: 'req-google' })).toBe('server-fal');
    expect(keyFor('google', config)).toBe('server-google');
    expect(keyFor('mock', config, { google: 'req-google' })).toBeUndefined();
  });

  it('results are cached per paying key: a request key is its own account, never the server\'s', async () => {
    const scope = async (id: string, cfg = config, keys = {}) => (await resolveProvider(id, cfg, keys)).cacheScope;
    const server = await scope('google');
    const request = await scope('google', config, { google: 'req-google' });
    expect(server).toMatch(/^[0-9a-f]{32}$/);
    expect(request).toMatch(/^[0-9a-f]{32}$/);
    expect(request).not.toBe(server);
    // The same key is the same account whichever way it arrives.
    expect(await scope('google', configFrom({ googleApiKey: 'req-google' }))).toBe(request);
    expect(await scope('fal:fal-ai/flux-kontext/dev', config, { fal: 'req-fal' })).toBe(await scope('fal:fal-ai/flux-kontext/dev', configFrom({ falKey: 'req-fal' })));
    expect(await scope('fal:fal-ai/flux-kontext/dev')).not.toBe(await scope('fal:fal-ai/flux-kontext/dev', config, { fal: 'req-fal' }));
    // The scope is a hash: the key is not in it.
    expect(request).not.toContain('req-google');
    expect((await resolveProvider('mock', config)).cacheScope).toBeUndefined();
  });

  it('with serverKeys false (REQUIRE_CLIENT_KEYS) only the request\'s key is used, for each provider', async () => {
    const google = await resolveProvider('google', config, { google: 'req-google' }, { serverKeys: false });
    expect(google.cacheScope).toBe((await resolveProvider('google', configFrom({ googleApiKey: 'req-google' }))).cacheScope);
    const fal = await resolveProvider('fal:fal-ai/flux-kontext/dev', config, { fal: 'req-fal' }, { serverKeys: false });
    expect(fal.cacheScope).toBe((await resolveProvider('fal:fal-ai/flux-kontext/dev', configFrom({ falKey: 'req-fal' }))).cacheScope);
    // A fal key does not stand in for a Google one, nor the other way round.
    expect((await failure(resolveProvider('google', config, { fal: 'req-fal' }, { serverKeys: false }))).code).toBe('missing_api_key');
    expect((await failure(resolveProvider('fal:fal-ai/flux-kontext/dev', config, { google: 'req-google' }, { serverKeys: false }))).code).toBe('missing_api_key');
  });
});

describe('a missing key', () => {
  it('for a server client with REQUIRE_CLIENT_KEYS names the header, and never suggests the server\'s variable', async () => {
    const error = await failure(resolveProvider('google', configFrom({ googleApiKey: 'server-google' }), {}, { serverKeys: false }));
    expect([error.code, error.subject, error.message, error.hint]).toEqual([
      'missing_api_key',
      'X-Google-API-Key',
      'No API key for provider google in the request; this server does not use its own keys.',
      'Send your own key in the X-Google-API-Key header (the server has REQUIRE_CLIENT_KEYS=true).',
    ]);
    const fal = missingKeyError('fal', 'fal:fal-ai/flux-kontext/dev', true);
    expect([fal.subject, fal.hint]).toEqual([
      'X-Fal-Key (or Authorization: Key <key>)',
      'Send your own key in the X-Fal-Key (or Authorization: Key <key>) header (the server has REQUIRE_CLIENT_KEYS=true).',
    ]);
  });

  it('for a server client names the variable and the header', async () => {
    const error = await failure(resolveProvider('google', configFrom()));
    expect([error.code, error.subject, error.message, error.hint]).toEqual([
      'missing_api_key',
      'GOOGLE_API_KEY (or GEMINI_API_KEY)',
      'No API key for provider google.',
      'Set GOOGLE_API_KEY (or GEMINI_API_KEY) in the environment or .env, or send the X-Google-API-Key header to the server.',
    ]);
  });

  it('missingKeyError by default speaks to a server client that may use the server\'s keys', () => {
    const error = missingKeyError('fal', 'fal:fal-ai/flux-kontext/dev');
    expect([error.code, error.subject, error.message, error.hint]).toEqual([
      'missing_api_key',
      'FAL_KEY',
      'No API key for provider fal:fal-ai/flux-kontext/dev.',
      'Set FAL_KEY in the environment or .env, or send the X-Fal-Key (or Authorization: Key <key>) header to the server.',
    ]);
  });

  it('for a terminal user names the variable, the mock and DEV_MODE, not a header', async () => {
    const error = await failure(resolveProvider('fal:fal-ai/flux-kontext/dev', configFrom(), {}, { audience: 'cli' }));
    expect([error.code, error.subject, error.message, error.hint]).toEqual([
      'missing_api_key',
      'FAL_KEY',
      'No API key for provider fal:fal-ai/flux-kontext/dev.',
      'Set FAL_KEY in the environment or in a .env file. To try FrameForge without a key, use --provider mock, or DEV_MODE=true to answer with the mock provider instead.',
    ]);
  });

  it('with DEV_MODE is answered by the mock, with a warning naming the provider; a key present is used even then', async () => {
    const fallback = await resolveProvider('fal:fal-ai/flux-kontext/dev', configFrom({ devMode: true }));
    expect([fallback.provider.kind, fallback.fallback, fallback.requestedId, fallback.warnings]).toEqual([
      'mock',
      'mock',
      'fal:fal-ai/flux-kontext/dev',
      ['DEV_MODE: no key for fal:fal-ai/flux-kontext/dev, answered by the mock provider instead.'],
    ]);
    const real = await resolveProvider('google', configFrom({ devMode: true, googleApiKey: 'k' }));
    expect([real.provider.kind, real.fallback]).toEqual(['google', undefined]);
  });
});

describe('resolving an id', () => {
  it('an empty or blank id is the default provider; an id is trimmed', async () => {
    const config = configFrom({ defaultProvider: 'mock' });
    for (const id of [undefined, '', '   ']) {
      const resolved = await resolveProvider(id, config);
      expect([resolved.requestedId, resolved.provider.kind], String(id)).toEqual(['mock', 'mock']);
    }
    const trimmed = await resolveProvider('  google ', configFrom({ googleApiKey: 'k' }));
    expect([trimmed.requestedId, trimmed.provider.kind, trimmed.provider.id]).toEqual(['google', 'google', 'google']);
    expect((await resolveProvider(undefined, configFrom({ googleApiKey: 'k' }))).provider.kind).toBe('google');
  });

  it('the mock needs no key and warns of nothing, even when DEV_MODE is on', async () => {
    const resolved = await resolveProvider('mock', configFrom({ devMode: true }));
    expect([resolved.provider.kind, resolved.fallback, resolved.warnings]).toEqual(['mock', undefined, []]);
  });

  it('a deprecated Gemini model warns with its shutdown and replacement; a current one does not', async () => {
    const old = await resolveProvider('google', configFrom({ googleApiKey: 'k', googleModelId: 'gemini-2.5-flash-image' }));
    expect(old.warnings).toEqual(['Google has deprecated gemini-2.5-flash-image (shutdown 2026-10-02); use gemini-3.1-flash-image (GOOGLE_MODEL_ID).']);
    expect((await resolveProvider('google', configFrom({ googleApiKey: 'k' }))).warnings).toEqual([]);
    // A model the catalogue does not know is passed on without a warning.
    const unknown = await resolveProvider('google:gemini-9-image-experimental', configFrom({ googleApiKey: 'k' }));
    expect([unknown.provider.model, unknown.warnings]).toEqual(['gemini-9-image-experimental', []]);
  });

  it('the mock, asked for or standing in under DEV_MODE, takes MOCK_DELAY_MS: its edit runs until the delay ends or it is cancelled', async () => {
    const config = configFrom({ devMode: true, mockDelayMs: 600_000 });
    const image = { data: Buffer.from('image bytes'), mimeType: 'image/png', name: 'room.png', width: 8, height: 8 };
    for (const id of ['mock', 'google']) {
      const { provider } = await resolveProvider(id, config);
      const controller = new AbortController();
      let settled = false;
      const edit = provider.edit({ images: [image], prompt: 'p', options: {} }, { signal: controller.signal }).finally(() => (settled = true));
      // Without the delay the mock answers at once, before this turn of the event loop ends.
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled, id).toBe(false);
      controller.abort(new Error('cancelled'));
      await expect(edit, id).rejects.toThrow('cancelled');
    }
  });

  it('a fal text-to-image id is edited through its edit sibling, with the notice as a warning; an edit id has none', async () => {
    const mapped = await resolveProvider('fal:fal-ai/flux/dev', configFrom({ falKey: 'k' }));
    expect([mapped.requestedId, mapped.provider.id, mapped.warnings]).toEqual([
      'fal:fal-ai/flux/dev',
      'fal:fal-ai/flux/dev/image-to-image',
      ['fal:fal-ai/flux/dev is a text-to-image model; editing through fal:fal-ai/flux/dev/image-to-image instead.'],
    ]);
    const direct = await resolveProvider('fal:fal-ai/flux-kontext/dev', configFrom({ falKey: 'k' }));
    expect([direct.provider.kind, direct.provider.id, direct.warnings]).toEqual(['fal', 'fal:fal-ai/flux-kontext/dev', []]);
  });
});

describe('listProviders', () => {
  it('lists every id once, sorted, each with its readiness; only a missing key has needs', () => {
    const list = listProviders(configFrom({ googleApiKey: 'k' }));
    const ids = list.map((p) => p.id);
    expect(ids).toEqual([...new Set(ids)].sort());
    expect(list.find((p) => p.id === 'google')).toEqual({ id: 'google', kind: 'google', ready: true, default: true });
    expect(list.find((p) => p.id === 'mock')).toEqual({ id: 'mock', kind: 'mock', ready: true, default: false });
    expect(list.find((p) => p.id === 'fal:fal-ai/nano-banana/edit')).toEqual({
      id: 'fal:fal-ai/nano-banana/edit',
      kind: 'fal',
      ready: false,
      default: false,
      needs: 'FAL_KEY',
    });
  });

  it('adds an unlisted default provider, marked as the default', () => {
    const list = listProviders(configFrom({ defaultProvider: 'fal:someone/custom-edit', falKey: 'k' }));
    expect(list.filter((p) => p.default)).toEqual([{ id: 'fal:someone/custom-edit', kind: 'fal', ready: true, default: true }]);
    // In id order like the rest, not appended at the end: `providers` prints a sorted list.
    const ids = list.map((p) => p.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids.at(-1)).not.toBe('fal:someone/custom-edit');
  });
});
