/**
 * Staging presets: the prompt a preset sends, seen at the fake Gemini server
 * (the provider's HTTP boundary), through both doors; the listing command and
 * route; and the README's tables against the one data file.
 */
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { buildStagingPrompt } from '../../src/core/staging/prompt.js';
import { PRESERVE_RULE, ROOMS, STYLES } from '../../src/core/staging/presets-data.js';
import { startGeminiServer, type GeminiServer } from '../fakes/gemini-server.js';
import type { RecordedCall } from '../fakes/fake-http.js';
import { ROOT, runCli, SAMPLE, tempDir } from '../support/cli.js';
import { form, jpeg, postEdit, startServer } from '../server/helpers.js';

let gemini: GeminiServer | undefined;
afterEach(async () => {
  await gemini?.close();
  gemini = undefined;
});

/** The text part of a generateContent body: the prompt the model got. */
function sentPrompt(call: RecordedCall): string {
  const body = call.json as { contents: { parts: { text?: string }[] }[] };
  return body.contents.flatMap((c) => c.parts).find((p) => typeof p.text === 'string')!.text!;
}

const ISSUE_ROOMS = ['living-room', 'bedroom', 'kitchen', 'dining-room', 'office', 'bathroom', 'kids-room', 'outdoor'];
const ISSUE_STYLES = ['modern', 'scandinavian', 'industrial', 'mid-century', 'farmhouse', 'coastal', 'luxury', 'minimalist', 'bohemian', 'traditional'];

describe('preset prompts', () => {
  test('room, style, declutter and an extra --prompt reach the model, in that order, with the preserve rule', async () => {
    gemini = await startGeminiServer({ apiKey: 'k' });
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    const env = { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url };
    const run = await runCli(
      ['edit', 'room.jpg', '--provider', 'google', '--room', 'living-room', '--style', 'Scandinavian', '--declutter', '-p', '  add a piano  '],
      { cwd: dir, env },
    );
    expect(run.code, run.stderr).toBe(0);
    const prompt = sentPrompt(gemini.callsTo('generate')[0]!);
    expect(prompt.startsWith('First remove all furniture, personal items, decor and clutter')).toBe(true);
    expect(prompt).toContain('Virtually stage this living room: add a sofa, an armchair');
    expect(prompt).toContain('Use a Scandinavian style: light wood, white and soft grey textiles');
    expect(prompt).toContain('Preserve the architecture, windows, doors and lighting');
    expect(prompt.endsWith('Additional instruction: add a piano')).toBe(true);
  });

  test('each door sends the same prompt; without a preset, --prompt is the whole prompt', async () => {
    gemini = await startGeminiServer({ apiKey: 'k' });
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    const env = { GOOGLE_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url };
    expect((await runCli(['edit', 'room.jpg', '--provider', 'google', '--room', 'bedroom', '--style', 'coastal'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['edit', 'room.jpg', '--provider', 'google', '-p', 'Paint the walls blue', '-o', 'plain.jpg'], { cwd: dir, env })).code).toBe(0);
    const server = await startServer({ googleBaseUrl: gemini.url, googleApiKey: 'k' });
    try {
      const res = await postEdit(server.url, form([['images', await jpeg(), 'r.jpg']], { provider: 'google', room: 'bedroom', style: 'coastal' }));
      expect(res.status).toBe(200);
      const bad = await postEdit(server.url, form([['images', await jpeg(), 'r.jpg']], { provider: 'google', room: 'garage' }));
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'usage', detail: expect.stringMatching(/^room must be one of living-room, bedroom/) });
    } finally {
      await server.close();
    }
    const [cli, plain, http] = gemini.callsTo('generate').map(sentPrompt);
    expect(cli).toContain('Virtually stage this bedroom: add a made double bed');
    expect(cli).toContain('Use a coastal style');
    expect(cli).not.toContain('remove all furniture');
    expect(cli).not.toContain('Additional instruction');
    expect(http).toBe(cli);
    expect(plain).toBe('Paint the walls blue');
    expect(gemini.callsTo('generate')).toHaveLength(3);
  });

  test('declutter alone empties the room; a style alone furnishes it; both keep the preserve rule', () => {
    const empty = buildStagingPrompt({ declutter: true })!;
    expect(empty).toMatch(/^First remove all furniture.*Leave the room empty/);
    expect(empty).not.toMatch(/stage/i);
    const styled = buildStagingPrompt({ style: 'industrial' })!;
    expect(styled).toContain(STYLES.industrial.look);
    for (const p of [empty, styled]) expect(p.endsWith(PRESERVE_RULE)).toBe(true);
    expect(buildStagingPrompt({ prompt: 'just this' })).toBeUndefined();
  });

  test('an unknown room or style is a usage error naming the flag, before anything runs', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE, path.join(dir, 'room.jpg'));
    const run = await runCli(['edit', 'room.jpg', '--provider', 'mock', '--style', 'gothic'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--style must be one of modern, scandinavian/);
  });
});

describe('listing the presets', () => {
  test('`presets --json` and GET /api/presets list the issue\'s rooms and styles', async () => {
    const run = await runCli(['presets', '--json'], { cwd: ROOT });
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as { rooms: { id: string }[]; styles: { id: string }[]; preserve: string };
    expect(listed.rooms.map((r) => r.id)).toEqual(ISSUE_ROOMS);
    expect(listed.styles.map((s) => s.id)).toEqual(ISSUE_STYLES);
    expect(listed.preserve).toMatch(/^Preserve the architecture, windows, doors and lighting/);
    const text = await runCli(['presets'], { cwd: ROOT });
    for (const id of [...ISSUE_ROOMS, ...ISSUE_STYLES]) expect(text.stdout).toContain(`  ${id} `);
    const server = await startServer();
    try {
      const res = await fetch(`${server.url}/api/presets`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(listed);
    } finally {
      await server.close();
    }
  });

  test('the README tables match the data file', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const rows = new Map([...readme.matchAll(/^\| `([a-z-]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const [id, room] of Object.entries(ROOMS)) expect(rows.get(id), id).toBe(room.furnish);
    for (const [id, style] of Object.entries(STYLES)) expect(rows.get(id), id).toBe(style.look);
  });
});
