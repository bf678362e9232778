/**
 * PROVIDER_RATE_LIMIT_PER_MINUTE's value and which quota a job counts against
 * (src/jobs/provider-limits.ts); the windows themselves are tested on a real
 * Redis in tests/jobs/provider-quota.test.ts and across workers in shared-limits.test.ts.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { describeLimits, parseProviderRateLimits, quotaOf, type ProviderRateLimits } from '../../src/jobs/provider-limits.js';

const NAME = 'PROVIDER_RATE_LIMIT_PER_MINUTE';
const parse = (raw: unknown) => parseProviderRateLimits(raw, NAME);
const quota = (limits: ProviderRateLimits, id: string) => quotaOf(limits, id, 'gemini-3.1-flash-image');

describe('parsing the setting', () => {
  test('a bare number is every provider\'s limit', () => {
    expect(parse('20')).toEqual({ all: 20, providers: {} });
    expect(parse(' 0 ')).toEqual({ all: 0, providers: {} });
    expect(parse(7)).toEqual({ all: 7, providers: {} });
    expect(parse('')).toEqual({ all: 0, providers: {} });
  });

  test('a list names providers, a bare number in it covers the rest', () => {
    expect(parse('google=10, FAL=60')).toEqual({ all: 0, providers: { google: 10, fal: 60 } });
    expect(parse('20,mock=0')).toEqual({ all: 20, providers: { mock: 0 } });
    expect(parse('google:gemini-3-pro-image=5,google=10')).toEqual({ all: 0, providers: { 'google:gemini-3-pro-image': 5, google: 10 } });
  });

  test.each([
    ['-1', 'a whole number'],
    ['twenty', 'a whole number'],
    ['google=1.5', 'a whole number'],
    ['google=', 'a whole number'],
    ['2000000', 'a whole number from 0 to 1000000'],
    ['openai=3', 'google=10,fal=60'],
    ['nano-banana=3', 'google=10,fal=60'],
    ['google:../x=3', 'google=10,fal=60'],
    ['fal:fal-ai/nano-banana/edit=3', 'per account'],
    ['google=1,google=2', 'google named once'],
    ['1,2', 'one bare number'],
  ])('%s is refused, naming the setting', (raw, expected) => {
    let error: unknown;
    try {
      parse(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'invalid_config', subject: NAME });
    expect((error as Error).message).toContain(NAME);
    expect((error as Error).message).toContain(expected);
  });

  test('the environment variable reaches the config, and a bad one stops loading', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'ff-limits-'));
    const config = await loadConfig({ cwd, env: { [NAME]: 'google=10,fal=60' } });
    expect(config.providerRateLimitPerMinute).toEqual({ all: 0, providers: { google: 10, fal: 60 } });
    expect((await loadConfig({ cwd, env: {} })).providerRateLimitPerMinute).toEqual({ all: 0, providers: {} });
    await expect(loadConfig({ cwd, env: { [NAME]: 'gemini=10' } })).rejects.toMatchObject({ code: 'invalid_config', subject: NAME });
  });
});

describe('the quota a job counts against', () => {
  const limits = parse('3,google=10,google:gemini-3-pro-image=5,fal=60');

  test('Gemini: one quota per model, whatever alias named it', () => {
    expect(quota(limits, 'google')).toEqual({ unit: 'google:gemini-3.1-flash-image', perMinute: 10 });
    expect(quota(limits, 'nano-banana')).toEqual({ unit: 'google:gemini-3.1-flash-image', perMinute: 10 });
    expect(quota(limits, 'google:gemini-3.1-flash-image')).toEqual({ unit: 'google:gemini-3.1-flash-image', perMinute: 10 });
    expect(quota(limits, 'nano-banana-pro')).toEqual({ unit: 'google:gemini-3-pro-image', perMinute: 5 });
    expect(quota(limits, 'google:gemini-3-pro-image')).toEqual({ unit: 'google:gemini-3-pro-image', perMinute: 5 });
  });

  test('fal: one quota for every endpoint (fal limits the account, not the endpoint)', () => {
    expect(quota(limits, 'fal:fal-ai/nano-banana/edit')).toEqual({ unit: 'fal', perMinute: 60 });
    expect(quota(limits, 'fal:fal-ai/flux-kontext/dev')).toEqual({ unit: 'fal', perMinute: 60 });
  });

  test('a provider not named gets the bare number, or no limit without one', () => {
    expect(quota(limits, 'mock')).toEqual({ unit: 'mock', perMinute: 3 });
    expect(quota(parse('google=10'), 'mock')).toEqual({ unit: 'mock', perMinute: 0 });
    expect(quota(parse('google=10'), 'fal:fal-ai/nano-banana/edit')).toEqual({ unit: 'fal', perMinute: 0 });
  });

  test('an id that does not parse has no quota (its job fails before any call)', () => {
    expect(quota(limits, 'openai')).toBeUndefined();
  });

  test('described for the worker\'s log', () => {
    expect(describeLimits(parse('google=10,fal=0'))).toBe('google=10, fal=unlimited, others=unlimited');
    expect(describeLimits(parse('20'))).toBe('every provider=20');
  });
});
