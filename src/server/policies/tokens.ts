/**
 * Access tokens for `frameforge serve` (SERVER_TOKENS, SERVER_TOKENS_FILE).
 * Only digests are kept: a plain token is hashed at startup, a `sha256:<hex>`
 * line is its digest already (so a tokens file need not hold the tokens).
 * A presented token is hashed and compared with every digest by
 * timingSafeEqual, without stopping at a match, so neither the comparison nor
 * the position of the matching token shows in the time taken.
 * Logs name a token by its fingerprint, the first 12 hex digits of its
 * sha256 (the start of its `sha256:` line), never by the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config } from '../../core/config.js';
import { FrameForgeError } from '../../core/errors.js';
import { parseTokenEntry } from '../../core/settings.js';

export interface TokenMatch {
  /** Safe to log: 12 hex digits of the token's sha256. */
  fingerprint: string;
  /** Counts the token's rate limit (the whole digest: fingerprints could collide). */
  rateKey: string;
}

export interface AccessTokens {
  readonly size: number;
  /** The match for an `Authorization: Bearer <token>` value holding a valid token; undefined otherwise. */
  verify(authorization: string | undefined): TokenMatch | undefined;
}

export const FINGERPRINT_LENGTH = 12;
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** `sha256:<hex>`: what a tokens file may hold instead of the token. */
export function sha256Line(token: string): string {
  return `sha256:${digestOf(token).toString('hex')}`;
}

/** A new random token: 32 bytes from the system's CSPRNG, base64url, with a prefix secret scanners can spot. */
export function generateToken(): string {
  return `ff_${randomBytes(32).toString('base64url')}`;
}

/** From parsed entries (tokens or `sha256:` lines). */
export function createAccessTokens(entries: readonly string[]): AccessTokens {
  const digests = entries.map((entry) =>
    entry.startsWith('sha256:') ? Buffer.from(entry.slice('sha256:'.length), 'hex') : digestOf(entry),
  );
  return {
    size: digests.length,
    verify(authorization) {
      const token = authorization ? BEARER.exec(authorization)?.[1] : undefined;
      if (!token) return undefined;
      const presented = digestOf(token);
      let found = false;
      for (const digest of digests) found = timingSafeEqual(digest, presented) || found;
      if (!found) return undefined;
      const hex = presented.toString('hex');
      return { fingerprint: hex.slice(0, FINGERPRINT_LENGTH), rateKey: `token:${hex}` };
    },
  };
}

/** Entries of a tokens file: one a line; blank lines and `#` comments skipped. */
export function parseTokensFile(content: string, file: string): string[] {
  const entries: string[] = [];
  content.split(/\r?\n/).forEach((line, index) => {
    const value = line.trim();
    if (value && !value.startsWith('#')) entries.push(parseTokenEntry(value, `SERVER_TOKENS_FILE (${file}, line ${index + 1})`));
  });
  return entries;
}

/** The configured tokens, the file read now; undefined when none are configured (the API is open). */
export async function loadAccessTokens(config: Pick<Config, 'serverTokens' | 'serverTokensFile'>): Promise<AccessTokens | undefined> {
  const entries = [...(config.serverTokens ?? [])];
  const file = config.serverTokensFile;
  if (file) {
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (error) {
      throw new FrameForgeError('invalid_config', `Could not read SERVER_TOKENS_FILE ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`, {
        subject: 'SERVER_TOKENS_FILE',
        cause: error,
      });
    }
    const fromFile = parseTokensFile(content, file);
    // An empty file is a mistake (a failed secret mount), not a wish to open the API.
    if (fromFile.length === 0) {
      throw new FrameForgeError('invalid_config', `SERVER_TOKENS_FILE ${file} holds no token.`, {
        subject: 'SERVER_TOKENS_FILE',
        hint: 'Add a line made by `frameforge token`, or unset SERVER_TOKENS_FILE.',
      });
    }
    entries.push(...fromFile);
  }
  return entries.length > 0 ? createAccessTokens(entries) : undefined;
}
