/** Job ids: 128 random bits, URL-safe; holding one is what lets a client see the job. */
import { randomBytes } from 'node:crypto';

const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newJobId(): string {
  return randomBytes(16).toString('base64url');
}

/** True for a string that could be one of our ids (anything else is a 404 without a lookup). */
export function isJobId(value: string): boolean {
  return ID_PATTERN.test(value);
}
