/**
 * Webhook signatures per the Standard Webhooks specification, symmetric
 * scheme (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
 * "Signature scheme" and "Webhook headers"): the secret is `whsec_` + base64
 * of at least 24 random bytes (at most 64 here); the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`; the signature is `v1,` +
 * base64(HMAC-SHA256(secret bytes, content)). The id stays the same across
 * retries (the receiver's idempotency key); the timestamp is each attempt's.
 */
import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

/** The key bytes of a `whsec_<base64>` secret, or undefined when it is not one (never echoing it). */
export function decodeWebhookSecret(secret: string): Buffer | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const encoded = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= MIN_SECRET_BYTES && key.length <= MAX_SECRET_BYTES ? key : undefined;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers for one attempt; `id` must contain no `.` (the spec's delimiter). */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): SignedHeaders {
  if (id.includes('.')) throw new Error('A webhook id must not contain "."');
  const timestamp = String(Math.floor(timestampSeconds));
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
