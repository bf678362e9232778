/**
 * From a staging choice ({room, style, declutter, prompt}) to the one prompt
 * sent to the model, using the templates in presets-data.ts. Both doors (the
 * CLI's flags, the server's form fields) come through here, so an unknown room
 * or style is refused the same way, naming the field.
 */
import { FrameForgeError } from '../errors.js';
import {
  DECLUTTER,
  DECLUTTER_ONLY,
  EXTRA_PREFIX,
  NEUTRAL_STYLE,
  PRESERVE_RULE,
  ROOMS,
  ROOM_TEMPLATE,
  STYLES,
  STYLE_CLAUSE,
  STYLE_ONLY,
  type RoomId,
  type StyleId,
} from './presets-data.js';

export interface StagingChoice {
  readonly room?: string | undefined;
  readonly style?: string | undefined;
  readonly declutter?: boolean | undefined;
  /** The user's own text: the whole prompt without a preset, an extra instruction with one. */
  readonly prompt?: string | undefined;
}

/** How each door names the fields, for error messages (`--room` or `room`). */
export interface FieldNames {
  room: string;
  style: string;
}

const CLI_FIELDS: FieldNames = { room: '--room', style: '--style' };

export const ROOM_IDS = Object.keys(ROOMS) as RoomId[];
export const STYLE_IDS = Object.keys(STYLES) as StyleId[];

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

function check<T extends string>(value: string | undefined, ids: readonly T[], field: string): T | undefined {
  const trimmed = value?.trim().toLowerCase();
  if (!trimmed) return undefined;
  if ((ids as readonly string[]).includes(trimmed)) return trimmed as T;
  throw new FrameForgeError('usage', `${field} must be one of ${ids.join(', ')}; got "${value}".`, {
    subject: field,
    hint: 'Run `frameforge presets` to see them.',
  });
}

/** True when the choice uses a preset (otherwise the prompt is the user's alone). */
export function usesPreset(choice: StagingChoice): boolean {
  return Boolean(choice.room?.trim() || choice.style?.trim() || choice.declutter);
}

/**
 * The prompt for a staging choice, or undefined when no preset is chosen (the
 * caller then uses the user's prompt or the configured default).
 */
export function buildStagingPrompt(choice: StagingChoice, fields: FieldNames = CLI_FIELDS): string | undefined {
  const room = check(choice.room, ROOM_IDS, fields.room);
  const style = check(choice.style, STYLE_IDS, fields.style);
  if (!room && !style && !choice.declutter) return undefined;
  const parts: string[] = [];
  if (choice.declutter) parts.push(DECLUTTER);
  const styleClause = style ? fill(STYLE_CLAUSE, { style: STYLES[style].label, look: STYLES[style].look }) : NEUTRAL_STYLE;
  if (room) {
    parts.push(fill(ROOM_TEMPLATE, { room: ROOMS[room].label, furnish: ROOMS[room].furnish, styleClause }));
  } else if (style) {
    parts.push(fill(STYLE_ONLY, { style: STYLES[style].label, look: STYLES[style].look }));
  } else {
    parts.push(DECLUTTER_ONLY);
  }
  parts.push(PRESERVE_RULE);
  const extra = choice.prompt?.trim();
  if (extra) parts.push(`${EXTRA_PREFIX}${extra}`);
  return parts.join(' ');
}

export interface PresetListing {
  rooms: { id: string; label: string; furnish: string }[];
  styles: { id: string; label: string; look: string }[];
  declutter: string;
  preserve: string;
}

/** Every preset, for `frameforge presets --json` and `GET /api/presets`. */
export function listPresets(): PresetListing {
  return {
    rooms: ROOM_IDS.map((id) => ({ id, ...ROOMS[id] })),
    styles: STYLE_IDS.map((id) => ({ id, ...STYLES[id] })),
    declutter: DECLUTTER,
    preserve: PRESERVE_RULE,
  };
}
