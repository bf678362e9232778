/**
 * What this server can do, read from its OpenAPI document at startup, so the
 * page works against a server with or without the optional parts (the jobs
 * API, staging presets, output size, access tokens) and uses each when it is
 * there.
 */
import { apiJson } from './api';

export interface Capabilities {
  /** POST /api/jobs and friends: submit, poll, cancel. */
  jobs: boolean;
  /** GET /api/presets. */
  presets: boolean;
  /** The edit form takes `size`. */
  size: boolean;
  /** The document declares a bearer scheme: ask for a token up front. */
  tokens: boolean;
}

type Doc = {
  paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
  components?: { securitySchemes?: Record<string, { type?: string; scheme?: string }> };
};

function formFields(doc: Doc, path: string): string[] {
  const content = doc.paths?.[path]?.post?.requestBody?.content ?? {};
  return Object.values(content).flatMap((c) => Object.keys(c.schema?.properties ?? {}));
}

export function capabilitiesOf(doc: Doc): Capabilities {
  const paths = doc.paths ?? {};
  const fields = [...formFields(doc, '/api/edit'), ...formFields(doc, '/api/jobs')];
  return {
    jobs: Boolean(paths['/api/jobs']?.post),
    presets: Boolean(paths['/api/presets']?.get),
    size: fields.includes('size'),
    tokens: Object.values(doc.components?.securitySchemes ?? {}).some((s) => s.type === 'http' && s.scheme?.toLowerCase() === 'bearer'),
  };
}

/** Without the document (an old server, or it needs a token first), assume the plain API. */
export async function detectCapabilities(): Promise<Capabilities> {
  try {
    return capabilitiesOf(await apiJson<Doc>('/api/openapi.json'));
  } catch {
    return { jobs: false, presets: false, size: false, tokens: false };
  }
}
