/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /api/openapi.json.
 * Written by hand (the API is seven routes) and held to the code by
 * tests/server/openapi.test.ts: same paths and methods as the route table,
 * the error codes of ERROR_CODES, the listed providers.
 */
import { ERROR_CODES } from '../core/errors.js';
import { DEFAULT_PROMPT } from '../core/settings.js';
import { SIZE_REQUESTS } from '../core/output-size.js';
import { LISTED_PROVIDER_IDS } from '../providers/provider-id.js';
import { listPresets, ROOM_IDS, STYLE_IDS } from '../core/staging/prompt.js';
import { LABEL_POSITIONS } from '../core/staging/label.js';
import { VERSION } from '../version.js';
import { ALLOWED_REQUEST_HEADERS } from './policies/cors.js';
import { DEFAULT_MULTIPART_LIMITS } from './multipart.js';

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const requestId = { $ref: '#/components/headers/X-Request-Id' };
const keyHeaders = ALLOWED_REQUEST_HEADERS.filter((h) => /key|authorization/i.test(h)).map((name) => ({
  name,
  in: 'header',
  required: false,
  description:
    name === 'Authorization'
      ? 'fal key as `Key <key>` (the earlier backend\'s convention; used for this request only), or the access token as `Bearer <token>`.'
      : `Provider key for this request only (${/fal/i.test(name) ? 'fal' : 'Google Gemini'}); overrides the configured one.`,
  schema: { type: 'string' },
}));
const MB = 1024 * 1024;
/** Needed only when the server has tokens (SERVER_TOKENS); `{}` says the API may be open. */
const tokenSecurity = [{ accessToken: [] }, {}];
/** Per token or client address, per hour; with REDIS_URL one count shared by every server of the deployment. */
const rateLimited = error('Rate limited (per access token or client address; with REDIS_URL, one count across every server); see Retry-After.');
const unauthorized = error('No valid access token (only when the server has SERVER_TOKENS); carries WWW-Authenticate: Bearer.');

const editForm = {
  type: 'object',
  properties: {
    images: {
      type: 'array',
      items: { type: 'string', contentMediaType: 'application/octet-stream' },
      description: `The image to edit first, then reference images. Also accepted as "image" or "image[]". At most ${DEFAULT_MULTIPART_LIMITS.fileSize / MB} MB a file, ${DEFAULT_MULTIPART_LIMITS.requestSize / MB} MB a request.`,
    },
    prompt: { type: 'string', description: `Trimmed; empty or missing means the default: "${DEFAULT_PROMPT}"` },
    provider: { type: 'string', description: 'Provider id; the configured default when missing. A text-to-image fal id is refused (not_an_edit_model), except fal:fal-ai/flux/dev, which edits through fal-ai/flux/dev/image-to-image (see X-FrameForge-Provider).', examples: [...LISTED_PROVIDER_IDS] },
    size: { type: 'string', enum: [...SIZE_REQUESTS], description: "Output size; DEFAULT_SIZE when missing. auto = the smallest of 1K/2K/4K covering the input's long edge, at most 2K." },
    aspect_ratio: { type: 'string', examples: ['3:2', '16:9', 'auto'], description: "Output aspect ratio (W:H). Missing: the ratio the model supports nearest to the input's; auto: the model decides. One the model does not take is 400 invalid_option." },
    room: { type: 'string', enum: ROOM_IDS, description: 'Staging preset: the kind of room. With a preset, `prompt` is added as an extra instruction.' },
    style: { type: 'string', enum: STYLE_IDS, description: 'Staging preset: the furnishing style.' },
    disclosure: { type: 'string', enum: ['true', 'false'], default: 'true', description: 'Write the "virtually staged" XMP disclosure (IPTC digital source type) into the result.' },
    declutter: { type: 'string', enum: ['true', 'false'], description: 'Remove furniture and clutter first; alone, leaves the room empty.' },
    cache: { type: 'string', enum: ['true', 'false'], default: 'true', description: 'Answer a repeated edit from the result cache (then X-FrameForge-Cache: hit); false always calls the provider.' },
    label: { type: 'string', maxLength: 100, description: 'Draw this text in a corner of the result, e.g. "Virtually staged".' },
    label_position: { type: 'string', enum: [...LABEL_POSITIONS], default: 'bottom-right', description: 'The corner for `label`.' },
    variations: { type: 'string', pattern: '^[1-4]$', default: '1', description: 'How many different results to make (1-4). Above 1 only on POST /api/jobs (each is GET /api/jobs/{id}/result/{n}); POST /api/edit answers one image and refuses more with 400 invalid_option.' },
  },
  required: ['images'],
};
/** POST /api/jobs: the edit form, and where to be told when the job ends. */
const jobForm = {
  ...editForm,
  properties: {
    ...editForm.properties,
    webhook_url: {
      type: 'string',
      format: 'uri',
      description:
        'POSTed a signed `JobEnded` webhook (see `webhooks`) when the job ends. Its host must be in WEBHOOK_ALLOWED_HOSTS (https: on public addresses, unless an IP address listed there) and the server must have WEBHOOK_SECRET; otherwise 400 webhook_url_refused / webhook_needs_secret and nothing is queued.',
    },
  },
};
const imageContent = {
  'image/jpeg': { schema: { type: 'string', contentMediaType: 'image/jpeg' } },
  'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
  'image/webp': { schema: { type: 'string', contentMediaType: 'image/webp' } },
};
const providerHeaders = {
  'X-FrameForge-Provider': { description: 'The provider that made the image (fal:fal-ai/flux/dev/image-to-image when fal:fal-ai/flux/dev was asked for).', schema: { type: 'string' } },
  'X-FrameForge-Mock': { description: '`true` when the mock provider made it.', schema: { type: 'string', enum: ['true'] } },
  'X-FrameForge-Fallback': { description: '`mock` when DEV_MODE answered as mock for lack of a key.', schema: { type: 'string', enum: ['mock'] } },
  'X-FrameForge-Cache': { description: '`hit` when the result cache answered: no provider call was made.', schema: { type: 'string', enum: ['hit'] } },
};
const jobId = { name: 'id', in: 'path', required: true, description: 'The id POST /api/jobs answered.', schema: { type: 'string' } };
const jobJson = (description: string) => ({
  description,
  headers: { 'X-Request-Id': requestId },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } },
});

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'FrameForge API',
      version: VERSION,
      description: 'Edit photos with AI image models. Every response carries X-Request-Id; errors are {detail, code}.',
    },
    paths: {
      '/api/health': {
        get: {
          operationId: 'health',
          summary: 'Liveness check',
          responses: {
            '200': {
              description: 'The server is up.',
              headers: { 'X-Request-Id': requestId },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } },
            },
            '429': rateLimited,
          },
        },
      },
      '/api/providers': {
        get: {
          operationId: 'providers',
          summary: 'Listed provider ids, sorted (any fal:<endpoint-id> works too)',
          security: tokenSecurity,
          responses: {
            '200': {
              description: 'Provider ids.',
              headers: { 'X-Request-Id': requestId },
              content: {
                'application/json': {
                  schema: { type: 'array', items: { type: 'string' } },
                  example: [...LISTED_PROVIDER_IDS],
                },
              },
            },
            '401': unauthorized,
            '429': rateLimited,
          },
        },
      },
      '/api/presets': {
        get: {
          operationId: 'presets',
          summary: 'The staging presets: the rooms and styles the edit form takes',
          security: tokenSecurity,
          responses: {
            '200': {
              description: 'Rooms and styles with their ids, the declutter step and the rule every preset keeps.',
              headers: { 'X-Request-Id': requestId },
              content: { 'application/json': { schema: { type: 'object' }, example: listPresets() } },
            },
            '401': unauthorized,
            '429': rateLimited,
          },
        },
      },
      '/api/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/api/providers/status': {
        get: {
          operationId: 'providerStatus',
          summary: 'Which listed providers have a key on this server, and the default (as `frameforge providers --json`)',
          responses: {
            '200': {
              description: 'The default provider id and each listed provider with `ready` and, when not ready, the key it `needs`.',
              headers: { 'X-Request-Id': requestId },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/ProviderStatus' } } },
            },
            '429': rateLimited,
          },
        },
      },
      '/api/edit': {
        post: {
          operationId: 'edit',
          summary: 'Edit an image; further images are references sent along',
          security: tokenSecurity,
          parameters: keyHeaders,
          requestBody: { required: true, content: { 'multipart/form-data': { schema: editForm } } },
          responses: {
            '200': {
              description: 'The edited image.',
              headers: { 'X-Request-Id': requestId, ...providerHeaders },
              content: imageContent,
            },
            '400': error('Bad input: no image, empty or corrupt image, malformed form, invalid provider id, too many images, a size or aspect ratio the model cannot take (invalid_option), a text-to-image model (not_an_edit_model), a Gemini model not found on the API version (model_not_found).'),
            '401': error('No valid access token (`unauthorized`, when the server has SERVER_TOKENS), or a missing or invalid provider key.'),
            '404': error('Unknown provider.'),
            '408': error('The upload stalled, or arrived slower than the server\'s minimum rate (MIN_UPLOAD_BYTES_PER_SECOND).'),
            '413': error('A file, the body, an image\'s dimensions or the number of parts is too large.'),
            '415': error('A file is not an image.'),
            '422': error('The model refused or returned no image.'),
            '429': error('Rate limited (ours or the provider\'s); see Retry-After.'),
            '502': error('The provider failed, or named a result URL the server refuses to fetch.'),
            '503': {
              description: 'The server is busy (`server_busy`): every edit slot and queue place is taken. Answered before the body is read.',
              headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
            '504': error('The provider was too slow.'),
          },
        },
      },
      '/api/jobs': {
        post: {
          operationId: 'submitJob',
          summary: 'Queue an edit and answer at once; poll the job (or take its webhook), then fetch its result',
          parameters: keyHeaders,
          requestBody: { required: true, content: { 'multipart/form-data': { schema: jobForm } } },
          responses: {
            '202': {
              description: 'Queued. Location is the status URL.',
              headers: { 'X-Request-Id': requestId, Location: { description: 'status_url', schema: { type: 'string' } } },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/JobAccepted' } } },
            },
            '400': error('Bad input: no image, malformed form, invalid provider id; webhook_url_refused, webhook_needs_secret.'),
            '401': error('Missing provider key.'),
            '404': error('Unknown provider.'),
            '408': error('The upload stalled, or arrived slower than the server\'s minimum rate (MIN_UPLOAD_BYTES_PER_SECOND).'),
            '413': error('A file, the body or the number of parts is too large.'),
            '429': rateLimited,
            '503': error('server_busy: every edit slot and queue place is taken (MAX_CONCURRENT_EDITS, MAX_QUEUED_EDITS, shared with /api/edit), answered before the body is read; or the queue is unreachable. See Retry-After.'),
          },
        },
      },
      '/api/jobs/{id}': {
        get: {
          operationId: 'getJob',
          summary: 'A job\'s status; with `wait`, once it has ended (long poll)',
          parameters: [
            jobId,
            {
              name: 'wait',
              in: 'query',
              required: false,
              description: 'Long poll: answer as soon as the job has ended, or after this many seconds with the job as it stands (0-20; 0 or absent answers at once).',
              schema: { type: 'integer', minimum: 0, maximum: 20, default: 0 },
            },
          ],
          responses: { '200': jobJson('The job.'), '400': error('`wait` is not a whole number from 0 to 20.'), '404': error('Unknown or expired job.'), '429': rateLimited },
        },
        delete: {
          operationId: 'cancelJob',
          summary: 'Cancel a queued or running job (a running provider call is aborted); a job that ended is left as it is',
          parameters: [jobId],
          responses: { '200': jobJson('The job after the cancel.'), '404': error('Unknown or expired job.'), '429': rateLimited },
        },
      },
      '/api/jobs/{id}/result/{n}': {
        get: {
          operationId: 'getJobResultVariation',
          summary: 'Variation n (1-based) of a succeeded job made with `variations`; /result is the first',
          parameters: [jobId, { name: 'n', in: 'path', required: true, description: '1 to the job\'s `variations`.', schema: { type: 'integer', minimum: 1, maximum: 4 } }],
          responses: {
            '200': { description: 'The edited image.', headers: { 'X-Request-Id': requestId, ...providerHeaders }, content: imageContent },
            '404': error('Unknown or expired job, or no variation n.'),
            '409': error('not_ready: the job is queued or running; see Retry-After.'),
            '410': error('job_cancelled: the job was cancelled.'),
            '4XX': error('The job failed: the status and body its edit failed with.'),
            '5XX': error('The job failed: the status and body its edit failed with.'),
          },
        },
      },
      '/api/jobs/{id}/result': {
        get: {
          operationId: 'getJobResult',
          summary: 'The edited image of a succeeded job',
          parameters: [jobId],
          responses: {
            '200': { description: 'The edited image.', headers: { 'X-Request-Id': requestId, ...providerHeaders }, content: imageContent },
            '404': error('Unknown or expired job.'),
            '409': error('not_ready: the job is queued or running; see Retry-After.'),
            '410': error('job_cancelled: the job was cancelled.'),
            '4XX': error('The job failed: the status and body its edit failed with.'),
            '5XX': error('The job failed: the status and body its edit failed with.'),
          },
        },
      },
    },
    // OpenAPI 3.1 webhooks: what the server POSTs to a job's webhook_url.
    webhooks: {
      jobEnded: {
        post: {
          summary: 'A job ended (succeeded, failed or cancelled)',
          description:
            'Signed per Standard Webhooks (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md): `webhook-signature` is `v1,` + base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` keyed with the bytes of WEBHOOK_SECRET (`whsec_<base64>`). Answer 2xx within 15 s; anything else is retried WEBHOOK_ATTEMPTS times in all, the wait doubling from WEBHOOK_RETRY_DELAY_MS; 410 stops retries.',
          parameters: [
            { name: 'webhook-id', in: 'header', required: true, description: 'The job id; the same on every retry (an idempotency key).', schema: { type: 'string' } },
            { name: 'webhook-timestamp', in: 'header', required: true, description: "This attempt's time, Unix seconds.", schema: { type: 'string' } },
            { name: 'webhook-signature', in: 'header', required: true, description: '`v1,<base64>`.', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/JobEnded' } } } },
          responses: { '2XX': { description: 'Received; no retry.' }, '410': { description: 'Gone: no further attempts.' } },
        },
      },
    },
    components: {
      securitySchemes: {
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'A token from SERVER_TOKENS / SERVER_TOKENS_FILE (`frameforge token` makes one). Health and this document need none.',
        },
      },
      headers: {
        'X-Request-Id': { description: "The client's X-Request-Id if it sent a sane one, else a new id.", schema: { type: 'string' } },
      },
      schemas: {
        Health: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] },
        JobAccepted: {
          type: 'object',
          properties: {
            id: { type: 'string', description: '128 random bits, URL-safe base64.' },
            status: { const: 'queued' },
            status_url: { type: 'string', examples: ['/api/jobs/3q2-7wEjRbKkfT0J1Xb7Hw'] },
            result_url: { type: 'string', examples: ['/api/jobs/3q2-7wEjRbKkfT0J1Xb7Hw/result'] },
          },
          required: ['id', 'status', 'status_url', 'result_url'],
        },
        Job: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            status: {
              enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'],
              description: '`queued` until a worker starts the edit, also while it waits for its provider\'s quota (PROVIDER_RATE_LIMIT_PER_MINUTE); `running` only while the edit runs.',
            },
            created_at: { type: 'string', format: 'date-time' },
            started_at: { type: ['string', 'null'], format: 'date-time' },
            finished_at: { type: ['string', 'null'], format: 'date-time' },
            attempts: { type: 'integer', description: 'Times a worker started it (2 after a worker died mid-job).' },
            provider: { type: 'string' },
            variations: { type: 'integer', minimum: 1, maximum: 4, description: 'How many results the job makes.' },
            result_urls: { type: 'array', items: { type: 'string' }, description: 'One per variation: /api/jobs/{id}/result/1 ... (available once succeeded).' },
            error: { $ref: '#/components/schemas/Error' },
            webhook_url: { type: 'string', description: 'When the job was submitted with one.' },
          },
          required: ['id', 'status', 'created_at', 'started_at', 'finished_at', 'attempts', 'provider', 'variations', 'result_urls'],
        },
        JobEnded: {
          type: 'object',
          description: 'The body of a job webhook.',
          properties: {
            id: { type: 'string' },
            status: { enum: ['succeeded', 'failed', 'cancelled'] },
            result_url: { type: 'string', description: 'As POST /api/jobs answered it (a path on the server): the first result.', examples: ['/api/jobs/3q2-7wEjRbKkfT0J1Xb7Hw/result'] },
            result_urls: {
              type: 'array',
              items: { type: 'string' },
              description: 'One per variation, as GET /api/jobs/{id} lists them: /api/jobs/{id}/result/1 ... /result/N.',
              examples: [['/api/jobs/3q2-7wEjRbKkfT0J1Xb7Hw/result/1', '/api/jobs/3q2-7wEjRbKkfT0J1Xb7Hw/result/2']],
            },
            error: { $ref: '#/components/schemas/Error' },
          },
          required: ['id', 'status', 'result_url', 'result_urls'],
        },
        ProviderStatus: {
          type: 'object',
          properties: {
            default: { type: 'string' },
            providers: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  kind: { type: 'string', enum: ['google', 'fal', 'mock'] },
                  ready: { type: 'boolean' },
                  default: { type: 'boolean' },
                  needs: { type: 'string', description: 'The setting that would make it ready; a per-request key header works too.' },
                },
                required: ['id', 'kind', 'ready', 'default'],
              },
            },
          },
          required: ['default', 'providers'],
        },
        Error: {
          type: 'object',
          properties: {
            detail: { type: 'string', description: 'A sentence a person can act on.' },
            code: { type: 'string', enum: Object.keys(ERROR_CODES) },
          },
          required: ['detail', 'code'],
        },
      },
    },
  };
}
