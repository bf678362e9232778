/** `frameforge serve`: the HTTP API. (Built in the serve issue.) */
import { FrameForgeError } from '../../core/errors.js';
import type { CliIO } from '../io.js';
import type { GlobalOptions } from '../main.js';

export async function serveCommand(_options: { host?: string; port?: string }, _globals: GlobalOptions, _io: CliIO): Promise<number> {
  throw new FrameForgeError('usage', '`frameforge serve` is not built yet.');
}
