/**
 * Staging presets as chips: a room and a style that together fill the
 * prompt. With GET /api/presets the chips and their words are the server's
 * (and an unedited preset prompt is sent as the `room` / `style` /
 * `declutter` fields, so the server's own template is used); without it,
 * a built-in list whose wording keeps the default prompt's promise
 * (architecture and light untouched, realistic shadows).
 */
import { apiJson } from './api';
export interface Chip {
  id: string;
  label: string;
  /** The words this chip puts into the prompt. */
  phrase: string;
}

export interface PresetCatalog {
  rooms: Chip[];
  styles: Chip[];
  /** The server's presets: it takes `room`, `style` and `declutter` fields. */
  fromServer: boolean;
  /** The server's declutter step, when it has one: shown as a chip of its own. */
  declutter?: string;
  /** The prompt for a room and a style (either may be absent), decluttered first or not. */
  prompt(room: Chip | undefined, style: Chip | undefined, declutter: boolean): string;
}

const chip = (id: string, label: string, phrase: string): Chip => ({ id, label, phrase });

const ROOMS: Chip[] = [
  chip('living-room', 'Living room', 'living room'),
  chip('bedroom', 'Bedroom', 'bedroom'),
  chip('kitchen', 'Kitchen', 'kitchen'),
  chip('dining-room', 'Dining room', 'dining room'),
  chip('office', 'Office', 'home office'),
  chip('bathroom', 'Bathroom', 'bathroom'),
  chip('kids-room', "Kids' room", "children's room"),
  chip('outdoor', 'Outdoor', 'outdoor space (patio, terrace or garden)'),
];

const STYLES: Chip[] = [
  chip('modern', 'Modern', 'modern furniture with clean lines in neutral tones'),
  chip('scandinavian', 'Scandinavian', 'Scandinavian furniture in light wood, white and soft textiles'),
  chip('industrial', 'Industrial', 'industrial furniture with metal, leather and reclaimed wood'),
  chip('mid-century', 'Mid-century', 'mid-century modern furniture with walnut, tapered legs and muted colours'),
  chip('farmhouse', 'Farmhouse', 'farmhouse furniture with warm wood, linen and vintage accents'),
  chip('coastal', 'Coastal', 'coastal furniture in whites, sand and soft blues with natural fibres'),
  chip('luxury', 'Luxury', 'luxury furniture with velvet, marble and brass accents'),
  chip('minimalist', 'Minimalist', 'minimalist furniture, few pieces, in neutral tones'),
  chip('bohemian', 'Bohemian', 'bohemian furniture with layered rugs, rattan and plants'),
  chip('traditional', 'Traditional', 'traditional furniture in rich wood and classic fabrics'),
];

const KEEP = 'Preserve the architecture, windows, doors and lighting; add realistic shadows and reflections.';

export const BUILT_IN_PRESETS: PresetCatalog = {
  rooms: ROOMS,
  styles: STYLES,
  fromServer: false,
  prompt(room, style) {
    const what = room ? `this ${room.phrase}` : 'this room';
    const how = style ? style.phrase : 'tasteful furniture that suits it';
    return `Stage ${what} with ${how}. ${KEEP}`;
  },
};

/** GET /api/presets (src/core/staging/presets-data.ts on the server). */
interface PresetListing {
  rooms: { id: string; label: string; furnish: string }[];
  styles: { id: string; label: string; look: string }[];
  declutter?: string;
  preserve?: string;
}

/** `outdoor space (patio, balcony or garden)` shows as `Outdoor space`. */
function chipLabel(label: string): string {
  const short = label.replace(/\s*\(.*$/, '');
  return short.charAt(0).toUpperCase() + short.slice(1);
}

/** The server's presets, its words put together as its templates do (the preview the prompt box shows). */
export function serverCatalog(listing: PresetListing): PresetCatalog {
  const preserve = listing.preserve ?? KEEP;
  return {
    rooms: listing.rooms.map((r) => chip(r.id, chipLabel(r.label), `${r.label}: add ${r.furnish}`)),
    styles: listing.styles.map((s) => chip(s.id, chipLabel(s.label), `${s.label} style: ${s.look}`)),
    fromServer: true,
    ...(listing.declutter ? { declutter: listing.declutter } : {}),
    prompt(room, style, declutter) {
      const parts = declutter && listing.declutter ? [listing.declutter] : [];
      if (room) parts.push(`Virtually stage this ${room.phrase}.`, style ? `Use a ${style.phrase}.` : 'Use a neutral, contemporary style that appeals to most buyers.');
      else if (style) parts.push(`Furnish this room with furniture and decor that suit it, in a ${style.phrase}.`);
      else if (declutter) parts.push('Leave the room empty, as if freshly cleaned for a viewing.');
      parts.push(preserve);
      return parts.join(' ');
    },
  };
}

export async function loadPresets(serverHasPresets: boolean): Promise<PresetCatalog> {
  if (!serverHasPresets) return BUILT_IN_PRESETS;
  try {
    const listing = await apiJson<PresetListing>('/api/presets');
    return listing.rooms?.length && listing.styles?.length ? serverCatalog(listing) : BUILT_IN_PRESETS;
  } catch {
    return BUILT_IN_PRESETS;
  }
}
