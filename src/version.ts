/** Replaced at build time by tsup (package.json's version); read from package.json under vitest. */
declare const __FRAMEFORGE_VERSION__: string | undefined;

export const VERSION: string =
  typeof __FRAMEFORGE_VERSION__ === 'string' ? __FRAMEFORGE_VERSION__ : (process.env.npm_package_version ?? '0.0.0-dev');
