/**
 * PROVIDER_RATE_LIMIT_PER_MINUTE: how many edits all workers together may
 * start per minute, per provider quota. Which quota a job counts against
 * follows how each provider scopes its own limits:
 *
 * - Gemini: "Rate limits are applied per project, not per API key" and "Limits
 *   vary depending on the specific model being used"
 *   (https://ai.google.dev/gemini-api/docs/rate-limits): one window per Gemini
 *   model (`google:<model>`; `google` and `nano-banana` share the default model's).
 * - fal: "a global concurrency limit" per account that "applies at the platform
 *   level across all endpoints you call"; fal has no per-minute limit
 *   (https://docs.fal.ai/documentation/model-apis/concurrency-limits): one
 *   window for every fal endpoint together (`fal`), the operator's own pace.
 * - mock: one window (`mock`), so the limit can be tried without a provider.
 *
 * The value is a number for every provider (`20`), or a comma list naming
 * them (`google=10,fal=60`, `20,mock=0`, `google:gemini-3-pro-image=5`);
 * a provider left unnamed gets the bare number, or no limit; 0 is no limit.
 */
import { FrameForgeError } from '../core/errors.js';
import { parseProviderId } from '../providers/provider-id.js';

export interface ProviderRateLimits {
  /** For a provider not named (0 = unlimited). */
  readonly all: number;
  /** By `google`, `fal`, `mock` or `google:<model>`. */
  readonly providers: Readonly<Record<string, number>>;
}

export const NO_PROVIDER_LIMITS: ProviderRateLimits = Object.freeze({ all: 0, providers: Object.freeze({}) });

const MAX = 1_000_000;
const FAMILIES = ['google', 'fal', 'mock'];
const EXPECTED = 'a number of edits a minute for every provider (e.g. 20), or a comma list such as google=10,fal=60 (names: google, fal, mock, google:<model-id>)';

function invalid(name: string, raw: unknown, why = EXPECTED): FrameForgeError {
  const shown = typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
  return new FrameForgeError('invalid_config', `Invalid setting ${name}=${shown}: expected ${why}.`, { subject: name });
}

function count(text: string, name: string, raw: unknown): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value > MAX) throw invalid(name, raw, `a whole number from 0 to ${MAX} for each provider`);
  return value;
}

/** The quota name an entry gives: a provider family or one Gemini model. */
function quotaName(given: string, name: string, raw: unknown): string {
  const lower = given.toLowerCase();
  if (FAMILIES.includes(lower)) return lower;
  if (lower.startsWith('fal:')) {
    throw invalid(name, raw, "fal=N: fal's limit is per account, across all its endpoints (https://docs.fal.ai/documentation/model-apis/concurrency-limits)");
  }
  if (lower.startsWith('google:')) {
    try {
      const spec = parseProviderId(given, '');
      if (spec.kind === 'google') return `google:${spec.model}`;
    } catch {
      // Reported below with the setting's name.
    }
  }
  throw invalid(name, raw);
}

export function parseProviderRateLimits(raw: unknown, name: string): ProviderRateLimits {
  if (typeof raw === 'number') return { all: count(String(raw), name, raw), providers: {} };
  if (typeof raw !== 'string') throw invalid(name, raw);
  let all: number | undefined;
  const providers: Record<string, number> = {};
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    if (eq === -1) {
      if (all !== undefined) throw invalid(name, raw, 'one bare number at most (the limit of every provider not named)');
      all = count(entry, name, raw);
      continue;
    }
    const quota = quotaName(entry.slice(0, eq).trim(), name, raw);
    if (quota in providers) throw invalid(name, raw, `${quota} named once`);
    providers[quota] = count(entry.slice(eq + 1).trim(), name, raw);
  }
  return { all: all ?? 0, providers };
}

export interface ProviderQuota {
  /** The window's name: `google:<model>`, `fal` or `mock`. */
  readonly unit: string;
  /** Edits per minute; 0 = no limit. */
  readonly perMinute: number;
}

/**
 * Which quota a job's provider id counts against (the default provider when
 * the job named none). An id that does not parse has no quota: its job fails
 * at once without reaching any provider.
 */
export function quotaOf(limits: ProviderRateLimits, providerId: string, defaultGoogleModel: string): ProviderQuota | undefined {
  let unit: string;
  let family: string;
  try {
    const spec = parseProviderId(providerId, defaultGoogleModel);
    family = spec.kind;
    unit = spec.kind === 'google' ? `google:${spec.model}` : spec.kind;
  } catch {
    return undefined;
  }
  return { unit, perMinute: limits.providers[unit] ?? limits.providers[family] ?? limits.all };
}

/** Whether any provider has a limit (no Redis round trip is spent otherwise). */
export function anyLimit(limits: ProviderRateLimits): boolean {
  return limits.all > 0 || Object.values(limits.providers).some((n) => n > 0);
}

/** For the README and logs: `google=10, fal=60, others=20`. */
export function describeLimits(limits: ProviderRateLimits): string {
  const parts = Object.entries(limits.providers).map(([unit, n]) => `${unit}=${n || 'unlimited'}`);
  parts.push(`${parts.length ? 'others' : 'every provider'}=${limits.all || 'unlimited'}`);
  return parts.join(', ');
}
