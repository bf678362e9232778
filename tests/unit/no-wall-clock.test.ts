/**
 * The suite's own rule (README "Tests"): tests never assert on wall-clock
 * time and never sleep to wait for something they could observe. The machine
 * running them is shared, so a timing assertion is a flaky test and a sleep
 * is either too short (flaky) or too long (slow). This reads every file under
 * tests/ and fails naming the file and line that breaks the rule.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const TESTS = path.resolve(import.meta.dirname, '..');
const SELF = path.relative(TESTS, import.meta.filename);

/** Measuring elapsed time: a difference of clock readings, or a recorded arrival time. */
const ELAPSED = /\b(?:Date\.now|performance\.now)\(\)\s*-|\bprocess\.hrtime\b|\.at!?\s*-\s*\w/;

/**
 * Timers in tests/, each with its reason. Anything else is a fixed sleep:
 * wait for the event instead (a fake's `waitForCall`, a server's `waitForLog`,
 * a child's output), or use `quietPeriod` to show something does NOT happen.
 */
const TIMERS_ALLOWED: Record<string, { count: number; why: string }> = {
  'fakes/fake-http.ts': { count: 1, why: 'a scripted slow answer is the fake provider\'s behaviour, not a wait' },
  'support/wait.ts': { count: 1, why: 'quietPeriod: a window for something that must not happen' },
  'cli/interactive.test.ts': { count: 1, why: 'a SIGKILL backstop for a hung pseudo-terminal, cleared on exit' },
  'jobs/job-client.ts': { count: 1, why: 'polling a job is the jobs API\'s contract: an HTTP client has no event to wait for' },
  'cli/edit-batch-gemini.test.ts': { count: 1, why: 'samples the output folder for partial files while a run goes; waits for no event' },
  'server/helpers.ts': { count: 1, why: 'trickle(): the client sends a byte every N ms: the slow upload is the behaviour under test' },
};

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(?:ts|mjs|js)$/.test(e.name))
    .map((e) => path.relative(TESTS, path.join(e.parentPath, e.name)))
    .filter((file) => file !== SELF)
    .sort();
}

describe('the test suite', () => {
  it('asserts on no elapsed time and sleeps only where a timer has a stated reason', async () => {
    const elapsed: string[] = [];
    const timers = new Map<string, string[]>();
    for (const file of await sources(TESTS)) {
      const lines = (await readFile(path.join(TESTS, file), 'utf8')).split('\n');
      lines.forEach((line, i) => {
        const where = `tests/${file}:${i + 1}: ${line.trim()}`;
        if (ELAPSED.test(line)) elapsed.push(where);
        if (/\bsetTimeout\s*\(|\bsetInterval\s*\(|timers\/promises/.test(line)) timers.set(file, [...(timers.get(file) ?? []), where]);
      });
    }
    expect(elapsed, 'elapsed-time measurements in tests').toEqual([]);
    const unexplained = [...timers].flatMap(([file, found]) => (found.length > (TIMERS_ALLOWED[file]?.count ?? 0) ? found : []));
    expect(unexplained, 'fixed sleeps: wait for the event instead').toEqual([]);
  });

  it('the check itself finds a sleep and an elapsed-time assertion', () => {
    expect(ELAPSED.test('expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);')).toBe(true);
    expect(ELAPSED.test('const took = Date.now() - start;')).toBe(true);
    expect(ELAPSED.test('at: performance.now(),')).toBe(false);
  });
});
