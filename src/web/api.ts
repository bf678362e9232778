/**
 * Talking to the FrameForge API: the access token on every call, and error
 * answers turned into something a person can act on. The server answers
 * `{detail, code, hint?}`; this never shows "[object Object]".
 */
import { readSecret } from './session-store';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly hint: string | undefined,
    readonly retryAfter: number | undefined,
  ) {
    super(detail);
  }
}

/** Headers every API call carries: the access token, when the user gave one. */
export function authHeaders(): Record<string, string> {
  const token = readSecret('token');
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = { ...authHeaders(), ...(init.headers as Record<string, string> | undefined) };
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'The server could not be reached.', 'Check that `frameforge serve` is still running, then try again.', undefined);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await (await api(path, init)).json()) as T;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** An error answer as an ApiError; any body that is not our JSON still gives a sentence. */
export async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const record = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  // FastAPI-style validation errors carry a list in `detail`; show its messages, not an object.
  const detail =
    text(record.detail) ??
    (Array.isArray(record.detail) ? record.detail.map((d) => text((d as Record<string, unknown>)?.msg) ?? '').filter(Boolean).join('; ') : undefined) ??
    `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`;
  const retry = Number(response.headers.get('Retry-After'));
  return new ApiError(response.status, text(record.code) ?? 'http_error', detail, text(record.hint), Number.isFinite(retry) && retry > 0 ? retry : undefined);
}
