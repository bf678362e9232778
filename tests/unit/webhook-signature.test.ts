/**
 * Webhook signing against the Standard Webhooks reference library
 * (`standardwebhooks`, an implementation that is not ours), and the secret
 * format WEBHOOK_SECRET must have.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { FrameForgeError } from '../../src/core/errors.js';
import { decodeWebhookSecret, signWebhook } from '../../src/jobs/webhook-signature.js';
import { tempDir } from '../support/cli.js';

const secretOf = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;

describe('signWebhook', () => {
  it('makes exactly the signature the reference library makes, and it verifies', () => {
    const secret = secretOf(32);
    const key = decodeWebhookSecret(secret)!;
    const body = JSON.stringify({ id: 'abc_DEF-123', status: 'succeeded', result_url: '/api/jobs/abc_DEF-123/result' });
    const now = Math.floor(Date.now() / 1000);
    const headers = signWebhook(key, 'abc_DEF-123', now + 0.9, body);
    expect(headers['webhook-id']).toBe('abc_DEF-123');
    // Whole seconds, rounded down, as the spec's "integer unix timestamp".
    expect(headers['webhook-timestamp']).toBe(String(now));
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('abc_DEF-123', new Date(now * 1000), body));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs the id, the timestamp and the body: changing any one breaks verification', () => {
    const secret = secretOf(24);
    const key = decodeWebhookSecret(secret)!;
    const now = Math.floor(Date.now() / 1000);
    const headers = signWebhook(key, 'job1', now, '{"a":1}');
    const verify = (body: string, h: Record<string, string>) => () => new Webhook(secret).verify(body, h);
    expect(verify('{"a":2}', { ...headers })).toThrow();
    expect(verify('{"a":1}', { ...headers, 'webhook-id': 'job2' })).toThrow();
    expect(verify('{"a":1}', { ...headers, 'webhook-timestamp': String(now - 1) })).toThrow();
    expect(verify('{"a":1}', { ...headers })).not.toThrow();
  });

  it('refuses an id with a "." (the delimiter of the signed content)', () => {
    expect(() => signWebhook(decodeWebhookSecret(secretOf(32))!, 'a.b', 1, '{}')).toThrow(/must not contain/);
  });
});

describe('decodeWebhookSecret', () => {
  it('takes whsec_ + base64 of 24 to 64 bytes and returns those bytes', () => {
    const bytes = randomBytes(24);
    expect(decodeWebhookSecret(`whsec_${bytes.toString('base64')}`)).toEqual(bytes);
    expect(decodeWebhookSecret(secretOf(64))?.length).toBe(64);
  });

  it('refuses anything else', () => {
    const ok = randomBytes(32).toString('base64');
    for (const bad of [ok, `whsec${ok}`, `WHSEC_${ok}`, secretOf(23), secretOf(65), 'whsec_', `whsec_${ok.slice(0, -1)}`, `whsec_${ok.replace(/.$/, '!')}`, `whsec_!${ok.slice(1)}`, `whsec_ ${ok}`]) {
      expect(decodeWebhookSecret(bad), bad).toBeUndefined();
    }
  });
});

describe('WEBHOOK_SECRET', () => {
  it('an invalid value stops startup naming the setting, without echoing the value', async () => {
    const value = `whsec_${randomBytes(10).toString('base64')}`;
    const error = await loadConfig({ cwd: await tempDir(), env: { WEBHOOK_SECRET: value } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameForgeError);
    expect((error as FrameForgeError).subject).toBe('WEBHOOK_SECRET');
    expect((error as FrameForgeError).detail).not.toContain(value.slice(6));
    expect((await loadConfig({ cwd: await tempDir(), env: { WEBHOOK_SECRET: secretOf(32), WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com, 10.0.0.5:9000' } })).webhookAllowedHosts).toEqual([
      'hooks.example.com',
      '10.0.0.5:9000',
    ]);
  });
});
