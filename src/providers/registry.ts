/**
 * Turns a provider id into a ready Provider. The one place that knows which
 * ids exist, which key each needs, and what DEV_MODE does without one.
 * Adapters for real services are imported only when used, so `providers`,
 * `--help` and the mock never load an SDK.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../core/config.js';
import { FrameForgeError } from '../core/errors.js';
import { geminiModel } from './gemini-models.js';
import { createMockProvider } from './mock.js';
import { LISTED_PROVIDER_IDS, parseProviderId, type ProviderSpec } from './provider-id.js';
import type { Provider, ProviderKind } from './types.js';

/** Keys that arrive with one request (HTTP headers); they win over the configured ones. */
export interface ProviderKeys {
  google?: string;
  fal?: string;
}

export interface ResolvedProvider {
  provider: Provider;
  /** The id as the user gave it (or the default). */
  requestedId: string;
  /** Set when DEV_MODE answered with `mock` because the real provider had no key. */
  fallback?: 'mock';
  warnings: string[];
  /**
   * Which account pays for this provider's edits: a hash of its key (never the
   * key). The result cache is kept per account, so a request with another key
   * (or none that works) is never answered with a result someone else paid for.
   */
  cacheScope?: string;
}

function scopeOf(apiKey: string): string {
  return createHash('sha256').update(`frameforge-cache-scope\0${apiKey}`).digest('hex').slice(0, 32);
}

interface KeyInfo {
  variables: string;
  header: string;
}

const KEY_INFO: Record<Exclude<ProviderKind, 'mock'>, KeyInfo> = {
  google: { variables: 'GOOGLE_API_KEY (or GEMINI_API_KEY)', header: 'X-Google-API-Key' },
  fal: { variables: 'FAL_KEY', header: 'X-Fal-Key (or Authorization: Key <key>)' },
};

export function keyFor(kind: ProviderKind, config: Config, keys: ProviderKeys = {}): string | undefined {
  if (kind === 'google') return keys.google ?? config.googleApiKey;
  if (kind === 'fal') return keys.fal ?? config.falKey;
  return undefined;
}

/** Who asked: the advice differs (a terminal user sets a variable, an API client sends a header). */
export type KeyAudience = 'server' | 'cli';

export function missingKeyError(
  kind: Exclude<ProviderKind, 'mock'>,
  id: string,
  clientKeysOnly = false,
  audience: KeyAudience = 'server',
): FrameForgeError {
  const info = KEY_INFO[kind];
  if (clientKeysOnly) {
    return new FrameForgeError('missing_api_key', `No API key for provider ${id} in the request; this server does not use its own keys.`, {
      subject: info.header,
      hint: `Send your own key in the ${info.header} header (the server has REQUIRE_CLIENT_KEYS=true).`,
    });
  }
  if (audience === 'cli') {
    return new FrameForgeError('missing_api_key', `No API key for provider ${id}.`, {
      subject: info.variables,
      hint: `Set ${info.variables} in the environment or in a .env file. To try FrameForge without a key, use --provider mock, or DEV_MODE=true to answer with the mock provider instead.`,
    });
  }
  return new FrameForgeError('missing_api_key', `No API key for provider ${id}.`, {
    subject: info.variables,
    hint: `Set ${info.variables} in the environment or .env, or send the ${info.header} header to the server.`,
  });
}

export function parseProvider(id: string, config: Config): ProviderSpec {
  return parseProviderId(id, config.googleModelId);
}

/** A deprecated Gemini model still answers until its shutdown: say when that is and what replaces it. */
function retirementWarnings(model: string): string[] {
  const row = geminiModel(model);
  if (row?.status !== 'deprecated') return [];
  return [`Google has deprecated ${model} (shutdown ${row.shutdown}); use ${row.replacement} (GOOGLE_MODEL_ID).`];
}

export interface ResolveOptions {
  /**
   * False when only the request's own keys may be used (REQUIRE_CLIENT_KEYS):
   * the configured keys are then never read, so the server cannot spend them.
   */
  serverKeys?: boolean;
  /** Whose error a missing key is (default: the server's). */
  audience?: KeyAudience;
}

export async function resolveProvider(
  requested: string | undefined,
  config: Config,
  keys: ProviderKeys = {},
  options: ResolveOptions = {},
): Promise<ResolvedProvider> {
  const serverKeys = options.serverKeys ?? true;
  const requestedId = requested?.trim() ? requested.trim() : config.defaultProvider;
  const spec = parseProvider(requestedId, config);
  if (spec.kind === 'mock') return { provider: createMockProvider({ delayMs: config.mockDelayMs }), requestedId, warnings: [] };

  const apiKey = serverKeys ? keyFor(spec.kind, config, keys) : spec.kind === 'google' ? keys.google : keys.fal;
  if (!apiKey) {
    if (config.devMode) {
      return {
        provider: createMockProvider({ delayMs: config.mockDelayMs }),
        requestedId,
        fallback: 'mock',
        warnings: [`DEV_MODE: no key for ${spec.id}, answered by the mock provider instead.`],
      };
    }
    throw missingKeyError(spec.kind, spec.id, !serverKeys, options.audience);
  }

  if (spec.kind === 'google') {
    const { createGoogleProvider } = await import('./google.js');
    return {
      provider: createGoogleProvider({
        id: spec.id, model: spec.model, apiKey, apiVersion: config.googleApiVersion, baseUrl: config.googleBaseUrl,
      }),
      requestedId,
      warnings: retirementWarnings(spec.model),
      cacheScope: scopeOf(apiKey),
    };
  }
  const { createFalProvider } = await import('./fal.js');
  return {
    provider: createFalProvider({
      id: spec.id,
      endpoint: spec.endpoint,
      apiKey,
      proxyUrl: config.falProxyUrl,
      allowedResultHosts: config.falAllowedResultHosts,
    }),
    requestedId,
    warnings: spec.notice ? [spec.notice] : [],
    cacheScope: scopeOf(apiKey),
  };
}

export interface ProviderStatus {
  id: string;
  kind: ProviderKind;
  ready: boolean;
  default: boolean;
  /** What is missing when not ready. */
  needs?: string;
}

/** Every listed provider, whether its key is present, and which is the default. */
export function listProviders(config: Config): ProviderStatus[] {
  const ids = new Set(LISTED_PROVIDER_IDS);
  const defaultSpec = parseProvider(config.defaultProvider, config);
  ids.add(defaultSpec.id);
  return [...ids].sort().map((id) => {
    const spec = parseProvider(id, config);
    const ready = spec.kind === 'mock' || Boolean(keyFor(spec.kind, config));
    return {
      id,
      kind: spec.kind,
      ready,
      default: spec.id === defaultSpec.id,
      ...(spec.kind === 'mock' || ready ? {} : { needs: KEY_INFO[spec.kind].variables }),
    };
  });
}
