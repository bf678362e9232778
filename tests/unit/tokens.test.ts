/**
 * Access tokens (src/server/policies/tokens.ts) without a server: which
 * Authorization values pass, what a match is named by in logs and counted
 * under for rate limits, and how SERVER_TOKENS_FILE is read and refused.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FrameForgeError } from '../../src/core/errors.js';
import { createAccessTokens, FINGERPRINT_LENGTH, generateToken, loadAccessTokens, parseTokensFile, sha256Line } from '../../src/server/policies/tokens.js';

const TOKEN_A = 'token-a-0123456789abcdef';
const TOKEN_B = 'token-b-0123456789abcdef';
const hex = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

describe('verify', () => {
  const tokens = createAccessTokens([TOKEN_A, sha256Line(TOKEN_B)]);

  it('takes a plain token and one given as its sha256: line, naming each by its digest', () => {
    expect(tokens.size).toBe(2);
    expect(tokens.verify(`Bearer ${TOKEN_A}`)).toEqual({ fingerprint: hex(TOKEN_A).slice(0, 12), rateKey: `token:${hex(TOKEN_A)}` });
    expect(tokens.verify(`Bearer ${TOKEN_B}`)).toEqual({ fingerprint: hex(TOKEN_B).slice(0, 12), rateKey: `token:${hex(TOKEN_B)}` });
    expect(FINGERPRINT_LENGTH).toBe(12);
  });

  it.each([
    [`bearer ${TOKEN_A}`, true],
    [`BEARER\t${TOKEN_A}`, true],
    [`Bearer   ${TOKEN_A}  `, true],
    [`Bearer ${TOKEN_A}\t`, true],
    [undefined, false],
    ['', false],
    [TOKEN_A, false],
    [`Basic ${TOKEN_A}`, false],
    [`Bearer`, false],
    [`Bearer ${TOKEN_A} extra`, false],
    [`xBearer ${TOKEN_A}`, false],
    [`Bearer${TOKEN_A}`, false],
    [`Bearer ${TOKEN_A}x`, false],
    [`Bearer ${sha256Line(TOKEN_B)}`, false],
    [`Bearer ${hex(TOKEN_B)}`, false],
  ])('%j passes: %s', (authorization, passes) => {
    expect(tokens.verify(authorization) !== undefined).toBe(passes);
  });

  it('the last of several tokens matches too (every digest is compared)', () => {
    const many = createAccessTokens(['first-token-000000', 'second-token-00000', TOKEN_A]);
    expect(many.verify(`Bearer ${TOKEN_A}`)?.rateKey).toBe(`token:${hex(TOKEN_A)}`);
    expect(many.verify('Bearer first-token-000000')?.rateKey).toBe(`token:${hex('first-token-000000')}`);
  });
});

describe('tokens files', () => {
  it('one entry a line, trimmed; blank lines and # comments skipped; CRLF taken', () => {
    const content = `# tokens\r\n\r\n  ${TOKEN_A}  \r\n${sha256Line(TOKEN_B).toUpperCase().replace('SHA256:', 'sha256:')}\n   # indented comment\n`;
    expect(parseTokensFile(content, '/run/secrets/tokens')).toEqual([TOKEN_A, sha256Line(TOKEN_B)]);
  });

  it('a bad line is refused naming the file and its line number, not the value', () => {
    let caught: unknown;
    try {
      parseTokensFile(`${TOKEN_A}\n\n# note\nshort\n`, '/run/secrets/tokens');
    } catch (error) {
      caught = error;
    }
    const error = caught as FrameForgeError;
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('SERVER_TOKENS_FILE (/run/secrets/tokens, line 4)');
    expect(error.message).not.toContain('short');
  });

  it('loadAccessTokens: none configured is an open API; the list and the file add up', async () => {
    expect(await loadAccessTokens({})).toBeUndefined();
    const dir = await mkdtemp(path.join(tmpdir(), 'ff-tokens-'));
    const file = path.join(dir, 'tokens');
    await writeFile(file, `${sha256Line(TOKEN_B)}\n`);
    const tokens = await loadAccessTokens({ serverTokens: [TOKEN_A], serverTokensFile: file });
    expect(tokens?.size).toBe(2);
    expect(tokens?.verify(`Bearer ${TOKEN_A}`)).toBeDefined();
    expect(tokens?.verify(`Bearer ${TOKEN_B}`)).toBeDefined();
    expect((await loadAccessTokens({ serverTokensFile: file }))?.size).toBe(1);
  });

  it('a missing file or one without a token is refused, naming SERVER_TOKENS_FILE', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ff-tokens-'));
    const missing = path.join(dir, 'nope');
    const error = (await loadAccessTokens({ serverTokensFile: missing }).catch((e: unknown) => e)) as FrameForgeError;
    expect([error.code, error.subject, error.message]).toEqual(['invalid_config', 'SERVER_TOKENS_FILE', `Could not read SERVER_TOKENS_FILE ${missing}: ENOENT.`]);
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '# nothing yet\n\n');
    const none = (await loadAccessTokens({ serverTokens: [TOKEN_A], serverTokensFile: empty }).catch((e: unknown) => e)) as FrameForgeError;
    expect([none.code, none.subject, none.message, none.hint]).toEqual([
      'invalid_config',
      'SERVER_TOKENS_FILE',
      `SERVER_TOKENS_FILE ${empty} holds no token.`,
      'Add a line made by `frameforge token`, or unset SERVER_TOKENS_FILE.',
    ]);
  });
});

describe('generateToken', () => {
  it('is ff_ and 32 random bytes in base64url, new each time, and accepted as a token', () => {
    const token = generateToken();
    expect(token).toMatch(/^ff_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(3), 'base64url')).toHaveLength(32);
    expect(generateToken()).not.toBe(token);
    expect(parseTokensFile(token, 'x')).toEqual([token]);
    expect(sha256Line(token)).toBe(`sha256:${hex(token)}`);
  });
});
