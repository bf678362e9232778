/**
 * Loads the configuration from every source, later wins:
 * built-in defaults < config file (cosmiconfig) < `.env` < environment < flags.
 *
 * Every value goes through the same parser (settings.ts), so an invalid value
 * is an error naming its setting and its source, whichever source it came from.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { FrameForgeError, isFrameForgeError } from './errors.js';
import { DEFAULT_SETTINGS, SETTINGS, type Settings, type SettingSpec } from './settings.js';

export type SettingSource = 'default' | 'file' | '.env' | 'env' | 'flag';

export interface Config extends Settings {
  /** Where each setting's value came from (for `health` and error messages). */
  readonly sources: Readonly<Record<keyof Settings, SettingSource>>;
  /** The config file that was read, if any. */
  readonly configFile?: string;
}

export interface LoadConfigOptions {
  cwd?: string;
  /** Defaults to process.env; tests pass their own. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags, already named by setting key. */
  flags?: Partial<Record<keyof Settings, unknown>>;
  /** An explicit config file (`--config`); otherwise cosmiconfig searches. */
  configFile?: string;
}

export const CONFIG_SEARCH_PLACES = [
  'package.json',
  '.frameforgerc',
  '.frameforgerc.json',
  '.frameforgerc.yaml',
  '.frameforgerc.yml',
  'frameforge.config.js',
  'frameforge.config.mjs',
  'frameforge.config.ts',
];

async function readConfigFile(
  cwd: string,
  explicit?: string,
): Promise<{ values: Record<string, unknown>; file: string } | undefined> {
  // cosmiconfig pulls in a YAML parser; load it only when a command needs config.
  const { cosmiconfig, defaultLoaders } = await import('cosmiconfig');
  const explorer = cosmiconfig('frameforge', {
    searchPlaces: CONFIG_SEARCH_PLACES,
    searchStrategy: 'project',
    // Node >= 22.18 imports TypeScript directly (type stripping), so a .ts config needs no compiler.
    loaders: { '.ts': defaultLoaders['.js'] },
    cache: false,
  });
  let result;
  try {
    result = explicit ? await explorer.load(path.resolve(cwd, explicit)) : await explorer.search(cwd);
  } catch (error) {
    const where = explicit ?? 'the FrameForge config file';
    throw new FrameForgeError('invalid_config', `Could not read ${where}: ${(error as Error).message}`, {
      cause: error,
      subject: where,
    });
  }
  if (!result || result.isEmpty) return undefined;
  const values = result.config as unknown;
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new FrameForgeError('invalid_config', `${result.filepath} must hold an object of settings.`, {
      subject: result.filepath,
    });
  }
  return { values: values as Record<string, unknown>, file: result.filepath };
}

async function readDotEnv(cwd: string): Promise<Record<string, string>> {
  let content: string;
  try {
    content = await readFile(path.join(cwd, '.env'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new FrameForgeError('invalid_config', `Could not read .env: ${(error as Error).message}`, { cause: error });
  }
  return parseEnv(content) as Record<string, string>;
}

/** The first of a setting's env variables that is set (an empty string counts as unset). */
function fromEnv(spec: SettingSpec, env: Readonly<Record<string, string | undefined>>): [string, string] | undefined {
  for (const name of spec.env) {
    const value = env[name];
    if (value !== undefined && value !== '') return [name, value];
  }
  return undefined;
}

function parseSetting(spec: SettingSpec, raw: unknown, name: string, source: string): unknown {
  try {
    return spec.parse(raw, name);
  } catch (error) {
    if (isFrameForgeError(error) && source !== 'environment') {
      throw new FrameForgeError(error.code, `${error.message.replace(/\.$/, '')} (from ${source}).`, {
        subject: error.subject ?? name,
        cause: error,
      });
    }
    throw error;
  }
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = await readConfigFile(cwd, options.configFile);
  const dotEnv = await readDotEnv(cwd);

  if (file) {
    const known = new Set<string>(SETTINGS.map((s) => s.key));
    for (const key of Object.keys(file.values)) {
      if (!known.has(key)) {
        throw new FrameForgeError('invalid_config', `Unknown setting "${key}" in ${file.file}.`, {
          subject: key,
          hint: `Known settings: ${[...known].join(', ')}.`,
        });
      }
    }
  }

  const values: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  const sources: Record<string, SettingSource> = {};
  for (const spec of SETTINGS as readonly SettingSpec[]) {
    sources[spec.key] = 'default';
    const layers: [SettingSource, string, unknown, string][] = [];
    if (file && file.values[spec.key] !== undefined) {
      layers.push(['file', spec.key, file.values[spec.key], path.basename(file.file)]);
    }
    const dot = fromEnv(spec, dotEnv);
    if (dot) layers.push(['.env', dot[0], dot[1], '.env']);
    const real = fromEnv(spec, env);
    if (real) layers.push(['env', real[0], real[1], 'environment']);
    const flag = options.flags?.[spec.key];
    if (flag !== undefined) layers.push(['flag', spec.key, flag, 'command line']);
    for (const [source, name, raw, where] of layers) {
      values[spec.key] = parseSetting(spec, raw, name, where);
      sources[spec.key] = source;
    }
  }

  const settings = values as unknown as Settings;
  const cacheDir = settings.cacheDir ?? defaultCacheDir(env);
  return {
    ...settings,
    ...(cacheDir !== undefined ? { cacheDir } : {}),
    sources: sources as Record<keyof Settings, SettingSource>,
    ...(file ? { configFile: file.file } : {}),
  };
}

/** A config made only of defaults and the given values; for tests and embedding. */
export function configFrom(values: Partial<Settings> = {}): Config {
  const sources = Object.fromEntries(SETTINGS.map((s) => [s.key, s.key in values ? 'flag' : 'default']));
  return { ...DEFAULT_SETTINGS, ...values, sources: sources as Record<keyof Settings, SettingSource> };
}

/**
 * The user's cache folder, from the environment the config is read from (XDG
 * Base Directory spec: $XDG_CACHE_HOME, else ~/.cache). Undefined when that
 * environment names no home (an embedding or a test with a bare environment):
 * no cache then, rather than one in a guessed place.
 */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'frameforge');
  if (env.HOME) return path.join(env.HOME, '.cache', 'frameforge');
  return undefined;
}
