/**
 * What this server can do, read from its OpenAPI document at startup, so the
 * page works against a server with or without the optional parts (the jobs
 * API, staging presets, output size) and uses each when it is there. Access
 * tokens are found out by asking: the first API call answers 401
 * `unauthorized` when the server needs one (the document names the scheme
 * either way).
 */
import { apiJson } from './api';

export interface Capabilities {
  /** POST /api/jobs and friends: submit, poll, cancel. */
  jobs: boolean;
  /** GET /api/presets. */
  presets: boolean;
  /** The edit form takes `size`. */
  size: boolean;
}

type Doc = {
  paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
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
  };
}

/** Without the document (an old server, or it needs a token first), assume the plain API. */
export async function detectCapabilities(): Promise<Capabilities> {
  try {
    return capabilitiesOf(await apiJson<Doc>('/api/openapi.json'));
  } catch {
    return { jobs: false, presets: false, size: false };
  }
}
