import { describe, expect, test } from 'vitest';
import { runPool } from '../../src/core/batch/run-pool.js';

/** A worker whose items finish only when the test says so, to observe what is in flight. */
function gatedWorker() {
  const gates = new Map<number, () => void>();
  let inFlight = 0;
  let maxInFlight = 0;
  const started: number[] = [];
  const worker = async (_item: string, index: number) => {
    started.push(index);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((resolve) => gates.set(index, resolve));
    inFlight--;
    return index;
  };
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { worker, gates, started, settle, get maxInFlight() { return maxInFlight; } };
}

describe('runPool', () => {
  test('keeps exactly N in flight and starts the next as soon as one finishes', async () => {
    const w = gatedWorker();
    const items = Array.from({ length: 10 }, (_, i) => `item${i}`);
    const pool = runPool(items, 3, w.worker, new AbortController().signal);
    await w.settle();
    expect(w.started).toEqual([0, 1, 2]);
    w.gates.get(1)!();
    await w.settle();
    expect(w.started).toEqual([0, 1, 2, 3]);
    for (let i = 0; i < 10; i++) {
      w.gates.get(i)?.();
      await w.settle();
    }
    for (const gate of w.gates.values()) gate();
    const { results, notStarted } = await pool;
    expect(results.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(notStarted).toEqual([]);
    expect(w.maxInFlight).toBe(3);
  });

  test('after abort, starts nothing new, lets running items settle, and reports the rest as not started', async () => {
    const w = gatedWorker();
    const controller = new AbortController();
    const pool = runPool(['a', 'b', 'c', 'd', 'e'], 2, w.worker, controller.signal);
    await w.settle();
    controller.abort();
    w.gates.get(0)!();
    w.gates.get(1)!();
    const { results, notStarted } = await pool;
    expect(w.started).toEqual([0, 1]);
    expect(results.sort()).toEqual([0, 1]);
    expect(notStarted).toEqual([2, 3, 4]);
  });

  test('an item whose worker reports failure does not stop the others, in its lane or the other', async () => {
    const w = gatedWorker();
    const worker = async (item: string, index: number) => (item === 'bad' ? `failed ${index}` : `done ${await w.worker(item, index)}`);
    const pool = runPool(['a', 'bad', 'c', 'd', 'e'], 2, worker, new AbortController().signal);
    await w.settle();
    // 'bad' failed at once; its lane went on to 'c' while 'a' is still running.
    expect(w.started).toEqual([0, 2]);
    for (const i of [0, 2, 3, 4]) {
      w.gates.get(i)?.();
      await w.settle();
    }
    const { results, notStarted } = await pool;
    expect(results).toContain('failed 1');
    expect(results.filter((r) => r.startsWith('done')).sort()).toEqual(['done 0', 'done 2', 'done 3', 'done 4']);
    expect(notStarted).toEqual([]);
  });
});
