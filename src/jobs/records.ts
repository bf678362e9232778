/** Building and moving job records, shared by both backends so they answer alike. */
import type { JobError, JobRecord, JobRequest, JobStatus } from './types.js';

export function newRecord(id: string, request: JobRequest, now: number): JobRecord {
  return {
    id,
    status: 'queued',
    created_at: new Date(now).toISOString(),
    started_at: null,
    finished_at: null,
    attempts: 0,
    provider: request.provider ?? '',
    ...(request.variations !== undefined && request.variations > 1 ? { variations: request.variations } : {}),
    ...(request.owner ? { owner: request.owner } : {}),
    ...(request.webhookUrl ? { webhook_url: request.webhookUrl } : {}),
  };
}

export function started(record: JobRecord, now: number): JobRecord {
  return { ...record, status: 'running', started_at: new Date(now).toISOString(), attempts: record.attempts + 1 };
}

export function finished(
  record: JobRecord,
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'cancelled'>,
  now: number,
  extra: { error?: JobError; provider?: string } = {},
): JobRecord {
  const { error: _previous, ...rest } = record;
  return {
    ...rest,
    status,
    finished_at: new Date(now).toISOString(),
    ...(extra.provider ? { provider: extra.provider } : {}),
    ...(extra.error ? { error: extra.error } : {}),
  };
}

/** The record as the API shows it: without who owns it (an access token's id is not the client's business). */
export function publicRecord(record: JobRecord): Omit<JobRecord, 'owner'> {
  const { owner: _owner, ...rest } = record;
  return rest;
}

/**
 * Where each of a job's results is fetched, 1-based, as GET /api/jobs/{id}
 * and its webhook both show them (one entry for a single result).
 */
export function resultUrls(record: JobRecord): string[] {
  return Array.from({ length: record.variations ?? 1 }, (_, i) => `/api/jobs/${record.id}/result/${i + 1}`);
}
