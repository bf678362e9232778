/**
 * Runs before each test file of the mutation run (vitest.mutation.config.ts
 * only). The registry imports the provider adapters lazily (so `--help` never
 * loads an SDK), which means a test resolving a fal or Gemini provider would
 * otherwise load fal.ts, and with it download.ts and safe-url.ts, in the
 * middle of that test. Stryker then traces those modules' top-level code
 * (safe-url's address ranges) to that one test instead of marking it static,
 * and reports it as survivors only that test ran (seen in a safe-url run:
 * 27 of 36 survivors), depending on which file happens to run first.
 * Loaded here, before any test, that code is static again: left out unless
 * STRYKER_STATIC=1, when every test runs against it.
 */
import '../../src/providers/fal.js';
import '../../src/providers/google.js';
