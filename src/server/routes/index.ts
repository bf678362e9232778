/** The route table: every path the API answers, its methods, deadline and rate limit. */
import { editHandler, type EditRouteOptions } from './edit.js';
import { cancelJobHandler, jobResultHandler, jobStatusHandler, submitJobHandler, type JobRouteOptions } from './jobs.js';
import { healthHandler, openApiHandler, presetsHandler, providersHandler, providerStatusHandler } from './meta.js';
import { pageFileHandler } from './page.js';
import type { PageFile } from '../page/load-page.js';
import { createAdmission } from '../policies/admission.js';
import type { Route } from './types.js';

export interface RouteOptions extends EditRouteOptions, JobRouteOptions {
  apiTimeoutMs: number;
  editTimeoutMs: number;
  /** The web page's files (absent with --no-ui): `/` and its hashed assets. */
  page?: readonly PageFile[];
}

export function createRoutes(given: RouteOptions): Route[] {
  const { config } = given;
  // Edits and job uploads take the same slots (serve passes the ones embedded jobs run in too).
  const options = { ...given, admission: given.admission ?? createAdmission({ maxActive: config.maxConcurrentEdits, maxQueued: config.maxQueuedEdits }) };
  const api = { timeoutMs: options.apiTimeoutMs, limit: 'other' as const };
  return [
    { path: '/api/health', methods: { GET: healthHandler() }, ...api },
    { path: '/api/providers', methods: { GET: providersHandler() }, ...api },
    { path: '/api/presets', methods: { GET: presetsHandler() }, ...api },
    { path: '/api/providers/status', methods: { GET: providerStatusHandler(options.config) }, ...api },
    { path: '/api/openapi.json', methods: { GET: openApiHandler() }, ...api },
    {
      path: '/api/edit',
      methods: { POST: editHandler(options) },
      timeoutMs: options.editTimeoutMs,
      limit: 'edit',
    },
    // The upload may be as large as an edit's, so it gets the edit's deadline; the job runs after the answer.
    { path: '/api/jobs', methods: { POST: submitJobHandler(options) }, timeoutMs: options.editTimeoutMs, limit: 'edit' },
    { path: '/api/jobs/{id}', methods: { GET: jobStatusHandler(options), DELETE: cancelJobHandler(options) }, ...api },
    { path: '/api/jobs/{id}/result', methods: { GET: jobResultHandler(options) }, ...api },
    { path: '/api/jobs/{id}/result/{n}', methods: { GET: jobResultHandler(options) }, ...api },
    ...(options.page ?? []).map((file) => ({ path: file.urlPath, methods: { GET: pageFileHandler(file) }, ...api, open: true })),
  ];
}
