/**
 * Job provider keys sealed for Redis (src/jobs/key-box.ts): they open only with
 * the same secret and for the same job, never appear in the sealed text, and a
 * refusal says which setting to fix without echoing any key.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameForgeError } from '../../src/core/errors.js';
import { openKeys, sealKeys } from '../../src/jobs/key-box.js';

const KEYS = { google: 'google-key-abc123', fal: 'fal-key:xyz789' };
const SECRET = 'job-key-secret-0123456789abcdef';

function refusal(fn: () => unknown): FrameForgeError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FrameForgeError);
  const error = caught as FrameForgeError;
  expect([error.code, error.subject, error.hint]).toEqual(['invalid_config', 'JOB_KEY_SECRET', 'Give every server and worker the same JOB_KEY_SECRET.']);
  expect(error.message).not.toContain(KEYS.google);
  return error;
}

describe('sealKeys / openKeys', () => {
  it('round-trips for the same secret and job; the sealed text is v1.iv.tag.body and holds no key', () => {
    const sealed = sealKeys(KEYS, SECRET, 'job-1');
    const parts = sealed.split('.');
    expect(parts).toHaveLength(4);
    expect(parts[0]).toBe('v1');
    expect(Buffer.from(parts[1]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(16);
    for (const key of Object.values(KEYS)) expect(sealed).not.toContain(key);
    expect(openKeys(sealed, SECRET, 'job-1')).toEqual(KEYS);
    // A fresh IV each time: sealing twice never gives the same text.
    expect(sealKeys(KEYS, SECRET, 'job-1')).not.toBe(sealed);
  });

  it('does not open with another secret or for another job (the job id is authenticated)', () => {
    const sealed = sealKeys(KEYS, SECRET, 'job-1');
    expect(refusal(() => openKeys(sealed, 'another-secret-0123456789', 'job-1')).message).toBe("This job's provider keys cannot be opened with this JOB_KEY_SECRET.");
    expect(refusal(() => openKeys(sealed, SECRET, 'job-2')).cause).toBeInstanceOf(Error);
  });

  it('a tampered body or tag does not open', () => {
    const [v, iv, tag, body] = sealKeys(KEYS, SECRET, 'job-1').split('.');
    const flip = (text: string) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64url');
    };
    refusal(() => openKeys([v, iv, tag, flip(body!)].join('.'), SECRET, 'job-1'));
    refusal(() => openKeys([v, iv, flip(tag!), body].join('.'), SECRET, 'job-1'));
  });

  it.each([
    ['no secret', (s: string) => openKeys(s, undefined, 'job-1')],
    ['an empty secret', (s: string) => openKeys(s, '', 'job-1')],
    ['another version', (s: string) => openKeys(s.replace(/^v1\./, 'v2.'), SECRET, 'job-1')],
    ['a missing part', (s: string) => openKeys(s.split('.').slice(0, 3).join('.'), SECRET, 'job-1')],
    ['an empty part', (s: string) => openKeys(s.replace(/\.[^.]+\./, '..'), SECRET, 'job-1')],
  ])('%s cannot be opened here', (_, open) => {
    const sealed = sealKeys(KEYS, SECRET, 'job-1');
    expect(refusal(() => open(sealed)).message).toBe("This job's provider keys cannot be opened here.");
  });

  // The format is what jobs already in Redis were sealed with: a server or worker of a later
  // version must open them. So both directions are checked against the documented scheme
  // written out here independently: HKDF-SHA256(secret, salt "frameforge", info
  // "job provider keys v1") -> AES-256-GCM key, 12-byte IV, the job id as associated data.
  const schemeKey = (secret: string) => Buffer.from(hkdfSync('sha256', secret, 'frameforge', 'job provider keys v1', 32));

  it('opens a value sealed by the documented v1 scheme', () => {
    const iv = Buffer.alloc(12, 7);
    const cipher = createCipheriv('aes-256-gcm', schemeKey(SECRET), iv);
    cipher.setAAD(Buffer.from('job-42'));
    const body = Buffer.concat([cipher.update(JSON.stringify(KEYS), 'utf8'), cipher.final()]);
    const sealed = ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    expect(openKeys(sealed, SECRET, 'job-42')).toEqual(KEYS);
  });

  it('seals by the documented v1 scheme', () => {
    const [, iv, tag, body] = sealKeys(KEYS, SECRET, 'job-42').split('.');
    const decipher = createDecipheriv('aes-256-gcm', schemeKey(SECRET), Buffer.from(iv!, 'base64url'));
    decipher.setAAD(Buffer.from('job-42'));
    decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
    const text = Buffer.concat([decipher.update(Buffer.from(body!, 'base64url')), decipher.final()]).toString('utf8');
    expect(JSON.parse(text)).toEqual(KEYS);
  });
});
