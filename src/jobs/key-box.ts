/**
 * Provider keys a job brings are sealed before they are written to Redis
 * (AES-256-GCM, key derived from JOB_KEY_SECRET with HKDF-SHA256), and the
 * job's id is the associated data, so a sealed value moved to another job
 * does not open. Redis's append-only file keeps every value ever written, so
 * a key must never reach it in plain text, not even for a moment.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { FrameForgeError } from '../core/errors.js';
import type { ProviderKeys } from '../providers/registry.js';

const VERSION = 'v1';

function keyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'frameforge', 'job provider keys v1', 32));
}

export function sealKeys(keys: ProviderKeys, secret: string, jobId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv);
  cipher.setAAD(Buffer.from(jobId));
  const body = Buffer.concat([cipher.update(JSON.stringify(keys), 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function openKeys(sealed: string, secret: string | undefined, jobId: string): ProviderKeys {
  const [version, iv, tag, body] = sealed.split('.');
  if (!secret || version !== VERSION || !iv || !tag || !body) {
    throw new FrameForgeError('invalid_config', 'This job\'s provider keys cannot be opened here.', {
      subject: 'JOB_KEY_SECRET',
      hint: 'Give every server and worker the same JOB_KEY_SECRET.',
    });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(jobId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as ProviderKeys;
  } catch (error) {
    throw new FrameForgeError('invalid_config', 'This job\'s provider keys cannot be opened with this JOB_KEY_SECRET.', {
      subject: 'JOB_KEY_SECRET',
      cause: error,
      hint: 'Give every server and worker the same JOB_KEY_SECRET.',
    });
  }
}
