/** The OpenAPI document stays in step with the code it describes. */
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/core/config.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { LISTED_PROVIDER_IDS } from '../../src/providers/provider-id.js';
import { DEFAULT_MULTIPART_LIMITS } from '../../src/server/multipart.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { IMAGE_FIELDS } from '../../src/server/routes/edit.js';
import { createMemoryQueue } from '../../src/jobs/memory-queue.js';
import { createAdmission } from '../../src/server/policies/admission.js';
import { createJobRunner } from '../../src/jobs/run-job.js';
import { createRoutes } from '../../src/server/routes/index.js';
import { startServer } from './helpers.js';

const jobs = createMemoryQueue({ run: createJobRunner(configFrom()), admission: createAdmission({ maxActive: 1, maxQueued: 1 }), ttlMs: 1000 });
const routes = createRoutes({ config: configFrom(), jobs, limits: DEFAULT_MULTIPART_LIMITS, uploadIdleMs: 1, apiTimeoutMs: 1, editTimeoutMs: 1 });

describe('OpenAPI document', () => {
  const doc = openApiDocument();

  it('is OpenAPI 3.1 and describes exactly the routes and methods the server answers', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    const served = routes.flatMap((r) => Object.keys(r.methods).map((m) => `${m} ${r.path}`)).sort();
    expect(documented).toEqual(served);
  });

  it('lists every error code, the listed providers and the image field', () => {
    expect(doc.components.schemas.Error.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
    expect(doc.paths['/api/providers'].get.responses['200'].content['application/json'].example).toEqual([...LISTED_PROVIDER_IDS]);
    const props = doc.paths['/api/edit'].post.requestBody.content['multipart/form-data'].schema.properties;
    expect(IMAGE_FIELDS.has('images')).toBe(true);
    const fields = ['aspect_ratio', 'cache', 'declutter', 'disclosure', 'images', 'label', 'label_position', 'prompt', 'provider', 'room', 'size', 'style', 'variations'];
    expect(Object.keys(props).sort()).toEqual(fields);
    const jobProps = doc.paths['/api/jobs'].post.requestBody.content['multipart/form-data'].schema.properties;
    expect(Object.keys(jobProps).sort()).toEqual([...fields, 'webhook_url'].sort());
  });

  it('is served at GET /api/openapi.json', async () => {
    const server = await startServer();
    try {
      const res = await fetch(`${server.url}/api/openapi.json`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
    } finally {
      await server.close();
    }
  });
});
