/**
 * The fixed JSON routes: health, the provider list and its status, the OpenAPI document.
 * Their bodies never change while the server runs, so each is serialized
 * (and compressed, on demand) once.
 */
import type { Config } from '../../core/config.js';
import { listPresets } from '../../core/staging/prompt.js';
import { LISTED_PROVIDER_IDS } from '../../providers/provider-id.js';
import { listProviders } from '../../providers/registry.js';
import { JsonBody, sendJson } from '../compress.js';
import { openApiDocument } from '../openapi.js';
import { earlyHeader } from '../response.js';
import type { Handler } from './types.js';

function fixedJson(value: unknown): Handler {
  const body = new JsonBody(value);
  return ({ req, res }) => {
    earlyHeader(res, 'Cache-Control', 'no-cache');
    return sendJson(req, res, 200, body);
  };
}

export const healthHandler = (): Handler => fixedJson({ status: 'ok' });
export const providersHandler = (): Handler => fixedJson([...LISTED_PROVIDER_IDS]);
export const openApiHandler = (): Handler => fixedJson(openApiDocument());
export const presetsHandler = (): Handler => fixedJson(listPresets());
/** What `frameforge providers --json` prints: which providers have a key here, and the default. */
export const providerStatusHandler = (config: Config): Handler =>
  fixedJson({ default: config.defaultProvider, providers: listProviders(config) });
