/**
 * FrameForge as a library (`import { editImage, serve } from 'frameforge'`):
 * the same core the CLI and the server use, and the server itself, for
 * embedding the HTTP API in another process.
 */
export { loadConfig, configFrom, type Config } from './core/config.js';
export { editImage, type EditJob, type EditOutcome, type ImageInput } from './core/edit.js';
export { FrameForgeError, ERROR_CODES, type ErrorCode } from './core/errors.js';
export { DEFAULT_PROMPT } from './core/settings.js';
export { resolveProvider, listProviders, type ProviderKeys, type ResolvedProvider } from './providers/registry.js';
export type { Provider, EditRequest, EditResult, EditContext, ProviderImage } from './providers/types.js';
export { serve, type ServeOptions, type RunningServer } from './server/serve.js';
