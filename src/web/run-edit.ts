/**
 * Running one edit, through the jobs API when the server has it (submit,
 * poll the status, fetch the result; Cancel deletes the job), else through
 * POST /api/edit (Cancel aborts the request, which cancels the provider
 * call on the server). Either way the caller gets the image and the marks
 * the server put on it.
 */
import { api, apiJson, ApiError } from './api';

export interface EditResult {
  blob: Blob;
  mimeType: string;
  provider: string;
  /** The mock made it: the image is the input, not an AI edit. */
  mock: boolean;
  /** DEV_MODE answered with the mock for lack of a key. */
  fallback: string | undefined;
}

export interface EditRun {
  result: Promise<EditResult>;
  cancel(): void;
}

export type StatusListener = (status: string) => void;

async function resultOf(response: Response): Promise<EditResult> {
  const blob = await response.blob();
  const fallback = response.headers.get('X-FrameForge-Fallback') ?? undefined;
  return {
    blob,
    mimeType: (response.headers.get('Content-Type') ?? blob.type ?? 'image/png').split(';')[0]!.trim(),
    provider: response.headers.get('X-FrameForge-Provider') ?? '',
    mock: response.headers.get('X-FrameForge-Mock') === 'true' || Boolean(fallback),
    fallback,
  };
}

export function runDirect(form: FormData, headers: Record<string, string>, onStatus: StatusListener): EditRun {
  const controller = new AbortController();
  onStatus('Uploading and editing');
  const result = api('/api/edit', { method: 'POST', body: form, headers, signal: controller.signal }).then(resultOf);
  return { result, cancel: () => controller.abort() };
}

interface Job {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  status_url?: string;
  result_url?: string;
  error?: { detail?: string; code?: string; hint?: string };
}

const POLL_MS = 700;

export function runJob(form: FormData, headers: Record<string, string>, onStatus: StatusListener): EditRun {
  const controller = new AbortController();
  let jobId: string | undefined;
  let cancelled = false;
  const { signal } = controller;

  const wait = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
    });

  const result = (async (): Promise<EditResult> => {
    onStatus('Uploading');
    const submitted = await apiJson<Job>('/api/jobs', { method: 'POST', body: form, headers, signal });
    jobId = submitted.id;
    const statusUrl = submitted.status_url ?? `/api/jobs/${encodeURIComponent(jobId)}`;
    let job = submitted;
    while (job.status === 'queued' || job.status === 'running') {
      onStatus(job.status === 'queued' ? 'Queued' : 'Editing');
      await wait(POLL_MS);
      job = await apiJson<Job>(statusUrl, { signal });
    }
    if (job.status === 'failed') {
      const e = job.error ?? {};
      throw new ApiError(200, e.code ?? 'job_failed', e.detail ?? 'The edit failed.', e.hint, undefined);
    }
    if (job.status === 'cancelled') throw new DOMException('The job was cancelled.', 'AbortError');
    onStatus('Fetching the result');
    return resultOf(await api(job.result_url ?? `${statusUrl}/result`, { signal }));
  })();

  return {
    result,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      controller.abort();
      // The job keeps running on the server unless it is told; tell it, and let the answer go.
      if (jobId) void api(`/api/jobs/${encodeURIComponent(jobId)}`, { method: 'DELETE' }).catch(() => undefined);
    },
  };
}
