/** `frameforge presets`: the rooms and styles `edit --room/--style` and the server's form take. */
import { listPresets } from '../../core/staging/prompt.js';
import { colors, writeJson, type CliIO } from '../io.js';

export function presetsCommand(options: { json?: boolean }, io: CliIO): number {
  const presets = listPresets();
  if (options.json) {
    writeJson(io, presets);
    return 0;
  }
  const c = colors(io);
  const width = Math.max(...[...presets.rooms, ...presets.styles].map((p) => p.id.length)) + 2;
  io.stdout.write(`${c.bold('Rooms')} (--room)\n`);
  for (const room of presets.rooms) io.stdout.write(`  ${room.id.padEnd(width)}${room.furnish}\n`);
  io.stdout.write(`${c.bold('Styles')} (--style)\n`);
  for (const style of presets.styles) io.stdout.write(`  ${style.id.padEnd(width)}${style.look}\n`);
  io.stdout.write(`${c.bold('--declutter')}\n  ${presets.declutter}\n`);
  io.stdout.write(`${c.bold('Every preset adds')}\n  ${presets.preserve}\n`);
  return 0;
}
