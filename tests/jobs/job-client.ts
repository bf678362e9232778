/** Speaks the jobs API to a running server, as a client would. */
import { expect } from 'vitest';
import { form, jpeg } from '../server/helpers.js';

export interface JobAnswer {
  id: string;
  status: string;
  status_url: string;
  result_url: string;
}

export interface JobView {
  id: string;
  status: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  provider: string;
  error?: { detail: string; code: string };
}

export async function submit(url: string, fields: Record<string, string> = {}, image?: Buffer, headers: Record<string, string> = {}): Promise<JobAnswer> {
  const res = await fetch(`${url}/api/jobs`, { method: 'POST', body: form([['images', image ?? (await jpeg()), 'room.jpg']], { provider: 'mock', ...fields }), headers });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as JobAnswer;
}

export async function getJob(url: string, id: string, headers: Record<string, string> = {}): Promise<JobView> {
  const res = await fetch(`${url}/api/jobs/${id}`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as JobView;
}

/**
 * Polls `check` until it returns a value (the test's timeout bounds the wait).
 * Polling is the jobs API's own contract: an HTTP client has no event to wait for.
 */
export async function poll<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls until the job is in one of `statuses`. */
export function waitFor(url: string, id: string, statuses: string[], headers: Record<string, string> = {}): Promise<JobView> {
  return poll(async () => {
    const job = await getJob(url, id, headers);
    return statuses.includes(job.status) ? job : undefined;
  });
}
