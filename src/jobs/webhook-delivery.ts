/**
 * Job webhooks: the payload, the check of a webhook_url, and one delivery
 * attempt. Who retries is the backend's business (webhook-queue.ts with
 * Redis, webhook-sender.ts embedded); both use `retryDelayMs`.
 *
 * Only hosts in WEBHOOK_ALLOWED_HOSTS are called, and with the same address
 * checks as result downloads (providers/safe-url.ts): a host named there must
 * be https: and resolve only to public addresses, checked at submission and
 * again at each attempt (DNS may have changed), and the connection goes to the
 * addresses checked (pinnedLookup). An IP address written in
 * WEBHOOK_ALLOWED_HOSTS is exempt, as a host in FAL_ALLOWED_RESULT_HOSTS is
 * for downloads: the operator named that very address, so it may be private
 * and http: (an internal receiver; the tests' 127.0.0.1). Redirects are not
 * followed (Standard Webhooks counts a 3xx as a failure).
 */
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Config } from '../core/config.js';
import { FrameForgeError } from '../core/errors.js';
import { assertSafeUrl, isAllowed, pinnedLookup, UnsafeUrlError, type Resolved, type SafeTarget, type SafeUrlOptions } from '../providers/safe-url.js';
import { VERSION } from '../version.js';
import { decodeWebhookSecret, signWebhook } from './webhook-signature.js';
import { resultUrls } from './records.js';
import type { JobRecord } from './types.js';

/** One attempt's deadline: the spec recommends 15-30 s. */
export const ATTEMPT_TIMEOUT_MS = 15_000;

export type WebhookConfig = Pick<Config, 'webhookSecret' | 'webhookAllowedHosts' | 'webhookAttempts' | 'webhookRetryDelayMs'>;

/**
 * What a webhook says: `{id, status, result_url, result_urls, error?}`: result_url
 * as POST /api/jobs answered it (the first result), result_urls one per variation
 * as GET /api/jobs/{id} lists them, so a multi-variation job's receiver need not ask.
 */
export function webhookBody(record: JobRecord): string {
  return JSON.stringify({
    id: record.id,
    status: record.status,
    result_url: `/api/jobs/${record.id}/result`,
    result_urls: resultUrls(record),
    ...(record.error ? { error: record.error } : {}),
  });
}

/** The host part of each entry that is an IP literal (`10.0.0.5`, `127.0.0.1:4000`, `[::1]:80`). */
function literalAddressEntries(entries: readonly string[]): string[] {
  return entries.filter((entry) => {
    const host = /^\[([^\]]+)\](:\d+)?$/.exec(entry)?.[1] ?? entry.replace(/:\d+$/, '');
    return isIP(host) !== 0;
  });
}

function refused(host: string, reason: string): FrameForgeError {
  return new FrameForgeError('webhook_url_refused', `The webhook_url on ${host} is refused: ${reason}.`, {
    subject: 'webhook_url',
    hint: 'The server calls only hosts listed in WEBHOOK_ALLOWED_HOSTS, over https: to public addresses (or an IP address listed there).',
  });
}

/**
 * Checks a webhook_url as submitted and before each attempt; resolves with
 * the checked target. Throws `webhook_needs_secret` (naming WEBHOOK_SECRET)
 * or `webhook_url_refused` (naming webhook_url).
 */
export async function checkWebhookUrl(raw: string, config: WebhookConfig, lookup?: SafeUrlOptions['lookup']): Promise<SafeTarget> {
  if (!config.webhookSecret) {
    throw new FrameForgeError('webhook_needs_secret', 'This server cannot send webhooks: it has no WEBHOOK_SECRET to sign them with.', {
      subject: 'WEBHOOK_SECRET',
      hint: 'Set WEBHOOK_SECRET (whsec_ + base64 of 32 random bytes) on the servers and workers, or leave out webhook_url and poll the job.',
    });
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new FrameForgeError('webhook_url_refused', 'The form field "webhook_url" is not a URL.', { subject: 'webhook_url' });
  }
  if (!isAllowed(url, config.webhookAllowedHosts)) throw refused(url.host || url.protocol, 'not in WEBHOOK_ALLOWED_HOSTS');
  try {
    return await assertSafeUrl(url, { allowedHosts: literalAddressEntries(config.webhookAllowedHosts), ...(lookup ? { lookup } : {}) });
  } catch (error) {
    if (error instanceof UnsafeUrlError) throw refused(error.host, error.reason);
    throw error;
  }
}

export interface AttemptOutcome {
  delivered: boolean;
  /** No further attempt can help: the receiver answered 410 Gone, or the URL is now refused. */
  final: boolean;
  /** For logs: the status, or what went wrong (never the secret, never the body). */
  reason: string;
}

/** Waits before retry `n` (1 = the first retry): the base, doubled each time. */
export function retryDelayMs(retry: number, baseMs: number): number {
  return baseMs * 2 ** Math.max(0, retry - 1);
}

/** One signed POST of the job's record to its webhook_url. */
export async function attemptWebhook(record: JobRecord, config: WebhookConfig, now: () => number = Date.now): Promise<AttemptOutcome> {
  const url = record.webhook_url;
  if (!url) return { delivered: true, final: true, reason: 'no webhook_url' };
  let target: SafeTarget;
  try {
    target = await checkWebhookUrl(url, config);
  } catch (error) {
    return { delivered: false, final: true, reason: (error as Error).message };
  }
  const key = decodeWebhookSecret(config.webhookSecret!)!;
  const body = webhookBody(record);
  const pins = new Map<string, Resolved[]>();
  if (target.addresses.length > 0) pins.set(target.url.hostname.toLowerCase(), target.addresses);
  const agent = new Agent({ connect: { lookup: pinnedLookup(pins) } });
  try {
    const response = await undiciFetch(target.url, {
      method: 'POST',
      redirect: 'manual',
      dispatcher: agent,
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': `FrameForge/${VERSION}`,
        ...signWebhook(key, record.id, now() / 1000, body),
      },
      body,
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { delivered: true, final: true, reason: `HTTP ${response.status}` };
    return { delivered: false, final: response.status === 410, reason: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { delivered: false, final: false, reason: (error as Error).name === 'TimeoutError' ? 'timed out' : cause ?? (error as Error).message };
  } finally {
    void agent.close().catch(() => undefined);
  }
}
