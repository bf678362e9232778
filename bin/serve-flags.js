// `frameforge serve` runs long and under load, where V8's default heap sizing
// is wrong for it: with a live heap of ~11 MB, the old generation's limit sat
// so close to it that incremental marking restarted every few requests, and
// an edit's upload buffers churning through the heap made that a full
// collection every 5-6 uploads (about a third of the server's CPU per edit;
// issue 15, docs/performance.md). A larger initial old-space limit gives the
// collector room: memory is only used as the heap grows, the limit is not a
// reservation. V8 reads the flag once, at start-up, and NODE_OPTIONS does not
// accept it, so serve replaces this process with itself, flags added:
// process.execve keeps the pid, stdio and signal handling (Node >= 22.15; on
// a platform without it, serve runs with the defaults).

/** The heap sizing; left out when the operator sized the heap themselves (their flags win). */
export const SERVE_HEAP_FLAGS = ['--initial-old-space-size=64'];
/** After a burst of uploads the server collects once it is quiet, so their buffers go back to the system (src/server/idle-gc.ts). */
export const SERVE_GC_FLAGS = ['--expose-gc'];
export const SERVE_NODE_FLAGS = [...SERVE_HEAP_FLAGS, ...SERVE_GC_FLAGS];
/** Set on the replaced process, so that it does not replace itself again. */
const MARK = 'FRAMEFORGE_SERVE_FLAGS';

/** The argv to exec for `serve`, or undefined: not serve, already done, or nothing to add. */
export function serveExecArgs({ args, execArgv, env, execPath, script }) {
  if (args[0] !== 'serve' || env[MARK]) return undefined;
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  const sized = given.some((flag) => /^--(initial|max)-(old-space|heap|semi-space)-size/.test(flag));
  const flags = [...(sized ? [] : SERVE_HEAP_FLAGS), ...SERVE_GC_FLAGS.filter((flag) => !given.includes(flag))];
  if (flags.length === 0) return undefined;
  return [execPath, ...flags, ...execArgv, script, ...args];
}

/** Replaces this process with the tuned serve; returns only when it could not (then serve runs as it is). */
export function execTunedServe(args, script) {
  if (typeof process.execve !== 'function') return;
  const argv = serveExecArgs({ args, execArgv: process.execArgv, env: process.env, execPath: process.execPath, script });
  if (!argv) return;
  try {
    process.execve(process.execPath, argv, { ...process.env, [MARK]: '1' });
  } catch {
    // Not on this platform (Windows), or the exec was refused: serve runs with Node's defaults.
  }
}
