// `frameforge serve` runs long and under load, where V8's default heap sizing
// is wrong for it: with a live heap of ~11 MB, the old generation's limit sat
// so close to it that incremental marking restarted every few requests, and
// an edit's upload buffers churning through the heap made that a full
// collection every 5-6 uploads (about a third of the server's CPU per edit;
// issue 15, docs/performance.md). A larger initial old-space limit gives the
// collector room: memory is only used as the heap grows, the limit is not a
// reservation. V8 reads the flag once, at start-up, and NODE_OPTIONS does not
// accept it, so serve replaces this process with itself, flags added (and,
// on Linux, glibc's malloc settings below, which glibc reads only at start-up):
// process.execve keeps the pid, stdio and signal handling (Node >= 22.15; on
// a platform without it, serve runs with the defaults).

/** The heap sizing; left out when the operator sized the heap themselves (their flags win). */
export const SERVE_HEAP_FLAGS = ['--initial-old-space-size=64'];
/** After a burst of uploads the server collects once it is quiet, so their buffers go back to the system (src/server/idle-gc.ts). */
export const SERVE_GC_FLAGS = ['--expose-gc'];
export const SERVE_NODE_FLAGS = [...SERVE_HEAP_FLAGS, ...SERVE_GC_FLAGS];
const MB = 1024 * 1024;
/**
 * glibc's malloc, held from handing the top of its heap back after every few
 * uploads. An upload arrives as 64 KB socket reads, each its own malloc; when
 * a round of them is freed, more than M_TRIM_THRESHOLD (128 KB by default)
 * lies free at the top of the heap, glibc returns it to the system with brk,
 * and the next uploads take it back, page fault by page fault: 0-140 faults a
 * 1 MB edit from round to round, each about 25 us on the benchmark's machine,
 * which made a round's CPU per edit swing up to 3x (issue 15, docs/performance.md).
 * With 32 MB kept at the top, about the uploads eight edit slots hold at
 * 1-4 MB, a 1 MB edit takes 0-5. Setting it turns off glibc's dynamic mmap
 * threshold, which would otherwise rise to the largest buffer freed, so the
 * threshold is set to that dynamic maximum (32 MB on 64-bit): without it every
 * buffer of 128 KB or more (an upload joined for sharp, libvips' own) was a
 * fresh mapping again, and a rotated 12 MP edit cost 1.8x the CPU.
 * Both are glibc's documented variables
 * (https://www.gnu.org/software/libc/manual/html_node/Malloc-Tunable-Parameters.html);
 * other C libraries ignore them. Left out when the operator tuned malloc themselves.
 */
export const SERVE_MALLOC_ENV = { MALLOC_TRIM_THRESHOLD_: String(32 * MB), MALLOC_MMAP_THRESHOLD_: String(32 * MB) };
const MALLOC_SETTINGS = ['MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TOP_PAD_', 'MALLOC_MMAP_MAX_'];
/** Set on the replaced process, so that it does not replace itself again. */
const MARK = 'FRAMEFORGE_SERVE_FLAGS';

/** Whether the operator set glibc's malloc parameters themselves (their settings win). */
function mallocTuned(env) {
  return MALLOC_SETTINGS.some((name) => env[name] !== undefined) || /glibc\.malloc\./.test(env.GLIBC_TUNABLES ?? '');
}

/**
 * What to exec for `serve`: the argv and the variables to add to the
 * environment; undefined when this is not serve, is already the replaced
 * process, or has nothing to add.
 */
export function serveExec({ args, execArgv, env, execPath, script, platform = process.platform }) {
  if (args[0] !== 'serve' || env[MARK]) return undefined;
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  const sized = given.some((flag) => /^--(initial|max)-(old-space|heap|semi-space)-size/.test(flag));
  const flags = [...(sized ? [] : SERVE_HEAP_FLAGS), ...SERVE_GC_FLAGS.filter((flag) => !given.includes(flag))];
  const malloc = platform === 'linux' && !mallocTuned(env) ? SERVE_MALLOC_ENV : {};
  if (flags.length === 0 && Object.keys(malloc).length === 0) return undefined;
  return { argv: [execPath, ...flags, ...execArgv, script, ...args], env: malloc };
}

/** Replaces this process with the tuned serve; returns only when it could not (then serve runs as it is). */
export function execTunedServe(args, script) {
  if (typeof process.execve !== 'function') return;
  const exec = serveExec({ args, execArgv: process.execArgv, env: process.env, execPath: process.execPath, script });
  if (!exec) return;
  try {
    process.execve(process.execPath, exec.argv, { ...process.env, ...exec.env, [MARK]: '1' });
  } catch {
    // Not on this platform (Windows), or the exec was refused: serve runs with Node's defaults.
  }
}
