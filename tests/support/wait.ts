/**
 * The one sanctioned fixed wait in the suite. Tests wait for events (a fake
 * server's call, a log line, a child's output), never for time; but that
 * something does NOT happen (a poll loop that should have stopped) has no
 * event to wait for. `quietPeriod` gives such a leak a window to show itself.
 * It is never used to wait for something that does happen, and nothing
 * asserts on how long anything took (tests/unit/no-wall-clock.test.ts checks).
 */
export function quietPeriod(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
