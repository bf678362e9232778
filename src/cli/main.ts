/**
 * The `frameforge` program. The only module that decides exit codes: commands
 * return a number or throw, and `main` turns both into the code `bin/` exits with.
 * Command modules are imported when their command runs, so `--help` and
 * `--version` load neither sharp nor any SDK.
 */
import { Command, CommanderError, Option } from 'commander';
import { reportError } from './errors.js';
import type { CliIO } from './io.js';
import { VERSION } from '../version.js';

export interface GlobalOptions {
  verbose?: boolean;
  config?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('frameforge')
    .description('Edit photos with AI image models from the terminal, scripts, or as an HTTP backend.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--verbose', 'print error details and stack traces')
    .option('--config <file>', 'read settings from this file instead of searching for one')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    });

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();

  program
    .command('edit')
    .description('edit images: each input image (a file, or a directory of images) is one edit')
    .argument('<input...>', 'image files or directories')
    .option('-p, --prompt <text>', 'what to do to each image (default: the configured prompt)')
    .option('--provider <id>', 'provider id, e.g. mock, google, nano-banana-pro, fal:fal-ai/nano-banana-2/edit')
    .option('-o, --out <path>', 'output file (one input) or directory (several)')
    .option('--with <image>', 'a reference image sent along with every edit (repeatable)', collect)
    .option('--room <room>', 'staging preset: the kind of room (see `frameforge presets`)')
    .option('--style <style>', 'staging preset: the furnishing style (see `frameforge presets`)')
    .option('--declutter', 'remove furniture and clutter first (alone: leave the room empty)')
    .option('--label <text>', 'draw this text in a corner of each result, e.g. "Virtually staged"')
    .addOption(new Option('--label-position <corner>', 'where the label goes').choices(['bottom-right', 'bottom-left', 'top-right', 'top-left']).default('bottom-right'))
    .option('--compare', 'also write <name>.compare.jpg: the original and the result side by side (stacked for portrait photos)')
    .option('-n, --variations <n>', 'make 1 to 4 different results per input: <name>.edited-1.jpg ... (one call on models that return several)')
    .option('--max-cost <usd>', 'start no edit that would take the estimated total past this many US dollars')
    .option('--no-cache', 'always call the provider: neither read nor fill the result cache (CACHE_DIR)')
    .option('--no-disclosure', 'leave out the "virtually staged" XMP metadata (IPTC digital source type)')
    .addOption(new Option('--format <format>', 'output format').choices(['png', 'jpeg', 'jpg', 'webp']))
    .option('--aspect-ratio <ratio>', "output aspect ratio, e.g. 16:9 (default: the model's nearest to the input's; auto: the model decides)")
    .option('--size <size>', 'output size: auto (covers the input, at most 2K), 1K, 2K or 4K (default: DEFAULT_SIZE)')
    .option('--seed <n>', 'seed, for models that take one')
    .addOption(new Option('--image-field <field>', 'fal: force the input field').choices(['image_url', 'image_urls']))
    .option('-r, --recursive', 'descend into subdirectories')
    .option('-c, --concurrency <n>', 'edits in flight at once')
    .option('--name <template>', 'output file name template, e.g. "{name}.{provider}.{ext}"')
    .option('--manifest <path>', 'where to write the run manifest (JSON lines)')
    .option('--dry-run', 'list what would be edited and where it would go; call nothing')
    .option('-f, --force', 'overwrite outputs that already exist')
    .option('--json', 'machine-readable output only: one JSON line per event')
    .option('--queue [redis-url]', 'queue every edit on this Redis (default REDIS_URL) for `frameforge worker`s anywhere, and collect the results here')
    .addHelpText(
      'after',
      `
Examples:
  frameforge edit room.jpg --provider mock
  frameforge edit room.jpg -p "Add a grey sofa" --provider fal:fal-ai/nano-banana-2/edit -o staged.jpg
  frameforge edit room.jpg --provider nano-banana-pro --size 4K
  frameforge edit listings/ -o staged/ --recursive --concurrency 4
  frameforge edit listings/ -o staged/ --queue redis://10.0.0.5:6379
  frameforge edit room.jpg --with sofa.png -p "Place this sofa against the left wall"
  frameforge edit living.jpg --room living-room --style scandinavian -p "add a piano"`,
    )
    .action(async (inputs: string[], options) => {
      const { editCommand } = await import('./commands/edit.js');
      setExit(await editCommand(inputs, options, { ...globals() }, io));
    });

  program
    .command('providers')
    .description('list the providers, which are ready (key present), and the default')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      const { providersCommand } = await import('./commands/providers.js');
      setExit(await providersCommand(options, globals(), io));
    });

  program
    .command('presets')
    .description('list the staging presets: rooms and styles for --room and --style')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      const { presetsCommand } = await import('./commands/presets.js');
      setExit(presetsCommand(options, io));
    });

  program
    .command('health')
    .description("check the local setup (offline), the provider's key and model with --live, or a running server's /api/health with --url")
    .option('--url <url>', 'check a running server instead, e.g. http://127.0.0.1:8000')
    .option('--live', "also make one network call to the provider: proves the key works and the model exists (Gemini models.get, fal's pricing API; nothing is billed)")
    .option('--provider <id>', 'with --live: the provider to check (default: DEFAULT_PROVIDER)')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      const { healthCommand } = await import('./commands/health.js');
      setExit(await healthCommand(options, globals(), io));
    });

  program
    .command('serve')
    .description('run the HTTP API')
    .option('--host <host>', 'address to listen on (default 127.0.0.1, or SERVER_HOST)')
    .option('--port <port>', 'port to listen on (default 8000, or SERVER_PORT)')
    .option('--no-worker', 'with REDIS_URL: only take requests; `frameforge worker` processes run the jobs')
    .option('--no-ui', 'answer only the API, not the web page at / (or SERVE_UI=false)')
    .action(async (options) => {
      const { serveCommand } = await import('./commands/serve.js');
      setExit(await serveCommand(options, globals(), io));
    });

  program
    .command('worker')
    .description('run queued jobs from Redis (REDIS_URL), as many at once as --concurrency; run any number, anywhere')
    .option('-c, --concurrency <n>', 'jobs run at once (default JOB_CONCURRENCY, 4)')
    .action(async (options) => {
      const { workerCommand } = await import('./commands/worker.js');
      setExit(await workerCommand(options, globals(), io));
    });

  program
    .command('token')
    .description('print a new random access token for `serve` and its sha256: line (for SERVER_TOKENS / SERVER_TOKENS_FILE)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const { tokenCommand } = await import('./commands/token.js');
      setExit(tokenCommand(options, io));
    });

  return program;
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors are already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportError(io, error, { verbose: program.opts<GlobalOptions>().verbose ?? false, json: argv.includes('--json') });
  }
}
