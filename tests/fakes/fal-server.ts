/**
 * A fake fal.ai (provider-protocols part B) for @fal-ai/client used with
 * `proxyUrl: { url: fal.proxyUrl, when: 'always' }` (i.e. FAL_PROXY_URL):
 * every API call arrives at the proxy path with its real target in
 * `x-fal-target-url`, and the fake dispatches on that target:
 *
 *   route      target / path
 *   initiate   POST rest.fal.ai/storage/upload/initiate   -> upload_url and file_url on this fake
 *   upload     PUT  /cdn/upload/<id>                       (the storage PUT bypasses the proxy)
 *   submit     POST queue.fal.run/<owner>/<alias>[/<path>]
 *   status     GET  queue.fal.run/<owner>/<alias>/requests/<id>/status
 *   result     GET  queue.fal.run/<owner>/<alias>/requests/<id>
 *   cancel     PUT  queue.fal.run/<owner>/<alias>/requests/<id>/cancel
 *   cdn        GET  /cdn/files/<name>                      (uploaded files and the result image)
 *   pricing    GET  api.fal.ai/v1/models/pricing?endpoint_id=  (`health --live`; a price for each id in
 *                   `endpoints`, or for any id when unset; fal's 401 for a wrong key)
 *
 * A job with `num_images: N` answers N different images (`result-<id>.v<i>.png`).
 * A job reports COMPLETED on its `pollsUntilDone`-th status poll (Infinity:
 * never). Requests without `Authorization: Key <apiKey>` get fal's 401.
 */
import { startFakeServer, type FakeServer, type RecordedCall, type Reply, type ScriptedResponse } from './fake-http.js';
import { solidPng } from './test-images.js';

export interface FalServerOptions {
  apiKey?: string;
  /** Status polls until a job completes; 1 = the first poll says COMPLETED. */
  pollsUntilDone?: number;
  /** The image the model "returns". */
  image?: Buffer;
  /** Replace the model output JSON; gets the job and the result image URL. */
  output?: (job: FalJob, imageUrl: string) => unknown;
  /** The endpoint ids the pricing API knows; all, when unset. */
  endpoints?: readonly string[];
}

export interface FalJob {
  id: string;
  /** The endpoint as submitted, e.g. `fal-ai/nano-banana/edit`. */
  endpoint: string;
  input: unknown;
  polls: number;
}

export interface FalServer extends FakeServer {
  /** Where FAL_PROXY_URL should point. */
  readonly proxyUrl: string;
  readonly image: Buffer;
  readonly jobs: FalJob[];
  /** Bytes received by the storage PUTs, by file URL. */
  readonly uploads: Map<string, { contentType: string; data: Buffer }>;
}

/** The `x-fal-target-url` of a proxied call, as a URL. */
export function falTarget(call: RecordedCall): URL | undefined {
  const target = call.headers['x-fal-target-url'];
  return typeof target === 'string' ? new URL(target) : undefined;
}

/** fal's error body. */
export function falError(status: number, detail: unknown, headers?: Record<string, string>): ScriptedResponse {
  return { status, json: { detail }, ...(headers ? { headers } : {}) };
}

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  json: body,
  ...(headers ? { headers } : {}),
});

export async function startFalServer(options: FalServerOptions = {}): Promise<FalServer> {
  const image = options.image ?? (await solidPng(20, 14, { r: 250, g: 180, b: 0 }));
  const pollsUntilDone = options.pollsUntilDone ?? 2;
  // num_images: each of a job's images differs (a real model makes N different ones).
  const variants = await Promise.all(Array.from({ length: 8 }, (_, i) => solidPng(20, 14, { r: 250, g: 20 + i * 30, b: i * 20 })));
  const jobs: FalJob[] = [];
  const uploads = new Map<string, { contentType: string; data: Buffer }>();
  let counter = 0;

  const server = await startFakeServer((call, base) => {
    const unauthorized =
      options.apiKey !== undefined && call.headers.authorization !== `Key ${options.apiKey}`
        ? json(401, { detail: 'No authorization header provided' })
        : undefined;

    if (call.path.startsWith('/cdn/upload/') && call.method === 'PUT') {
      return {
        route: 'upload',
        reply: () => {
          uploads.set(`${base}/cdn/files/${call.path.slice('/cdn/upload/'.length)}`, {
            contentType: String(call.headers['content-type'] ?? ''),
            data: call.body,
          });
          return { status: 200 };
        },
      };
    }
    if (call.path.startsWith('/cdn/files/') && call.method === 'GET') {
      return {
        route: 'cdn',
        reply: () => {
          const stored = uploads.get(`${base}${call.path}`);
          if (stored) return { status: 200, headers: { 'content-type': stored.contentType }, body: stored.data };
          const variant = /^\/cdn\/files\/result-[^/]+\.v(\d+)\.png$/.exec(call.path);
          if (variant) return { status: 200, headers: { 'content-type': 'image/png' }, body: variants[Number(variant[1]) % variants.length]! };
          if (call.path.startsWith('/cdn/files/result-')) return { status: 200, headers: { 'content-type': 'image/png' }, body: image };
          return { status: 404, body: 'not found' };
        },
      };
    }

    const target = falTarget(call);
    if (!target) return { route: 'unknown', reply: () => json(404, { detail: `no route ${call.path}` }) };

    if (target.host === 'rest.fal.ai' && target.pathname === '/storage/upload/initiate') {
      return {
        route: 'initiate',
        reply: () => {
          if (unauthorized) return unauthorized;
          const body = call.json as { file_name?: string };
          const name = `${++counter}-${body.file_name ?? 'file'}`;
          return json(200, { upload_url: `${base}/cdn/upload/${name}`, file_url: `${base}/cdn/files/${name}` });
        },
      };
    }

    if (target.host === 'api.fal.ai' && target.pathname === '/v1/models/pricing' && call.method === 'GET') {
      return {
        route: 'pricing',
        reply: () => {
          if (unauthorized) return unauthorized;
          const ids = target.searchParams.getAll('endpoint_id').flatMap((v) => v.split(','));
          const known = ids.filter((id) => !options.endpoints || options.endpoints.includes(id));
          const prices = known.map((endpoint_id) => ({ endpoint_id, unit_price: 0.04, unit: 'image', currency: 'USD' }));
          return json(200, { prices, next_cursor: null, has_more: false });
        },
      };
    }

    if (target.host === 'queue.fal.run') {
      const segments = target.pathname.split('/').filter(Boolean);
      const appBase = `https://queue.fal.run/${segments[0]}/${segments[1]}`;
      if (segments[2] === 'requests' && segments[3]) {
        const job = jobs.find((j) => j.id === segments[3]);
        const kind = segments[4] === 'status' ? 'status' : segments[4] === 'cancel' ? 'cancel' : 'result';
        return {
          route: kind,
          reply: () => {
            if (unauthorized) return unauthorized;
            if (!job) return json(404, { detail: 'Request not found' });
            if (kind === 'cancel') return json(202, { status: 'CANCELLATION_REQUESTED' });
            const urls = {
              response_url: `${appBase}/requests/${job.id}`,
              status_url: `${appBase}/requests/${job.id}/status`,
              cancel_url: `${appBase}/requests/${job.id}/cancel`,
            };
            if (kind === 'status') {
              job.polls++;
              if (job.polls >= pollsUntilDone) {
                return json(200, { status: 'COMPLETED', request_id: job.id, logs: null, metrics: { inference_time: 0.1 }, ...urls });
              }
              return json(202, job.polls === 1
                ? { status: 'IN_QUEUE', request_id: job.id, queue_position: 0, ...urls }
                : { status: 'IN_PROGRESS', request_id: job.id, logs: [], ...urls });
            }
            if (job.polls < pollsUntilDone) return json(400, { detail: 'Request is still in progress' });
            const imageUrl = `${base}/cdn/files/result-${job.id}.png`;
            const count = (job.input as { num_images?: unknown } | undefined)?.num_images;
            const imageUrls = typeof count === 'number' && count > 1 ? Array.from({ length: count }, (_, i) => `${base}/cdn/files/result-${job.id}.v${i}.png`) : [imageUrl];
            const output = options.output?.(job, imageUrl) ?? {
              images: imageUrls.map((url) => ({ url, content_type: 'image/png', file_name: 'output.png', width: 20, height: 14 })),
              description: '',
            };
            return json(200, output, { 'x-fal-request-id': job.id });
          },
        };
      }
      if (call.method === 'POST' && segments.length >= 2) {
        return {
          route: 'submit',
          reply: () => {
            if (unauthorized) return unauthorized;
            const job: FalJob = { id: `req-${++counter}`, endpoint: segments.join('/'), input: call.json, polls: 0 };
            jobs.push(job);
            return json(200, {
              status: 'IN_QUEUE',
              request_id: job.id,
              response_url: `${appBase}/requests/${job.id}`,
              status_url: `${appBase}/requests/${job.id}/status`,
              cancel_url: `${appBase}/requests/${job.id}/cancel`,
              logs: null,
              metrics: {},
              queue_position: 0,
            });
          },
        };
      }
    }
    return { route: 'unknown', reply: () => json(404, { detail: `no route ${target.href}` }) };
  });

  return Object.assign(server, { proxyUrl: `${server.url}/api/fal/proxy`, image, jobs, uploads });
}
