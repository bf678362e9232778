/**
 * Staging presets as chips: a room and a style that together fill the
 * prompt. The built-in list is used when the server has no GET /api/presets;
 * its wording keeps the default prompt's promise (architecture and light
 * untouched, realistic shadows).
 */
export interface Chip {
  id: string;
  label: string;
  /** The words this chip puts into the prompt. */
  phrase: string;
}

export interface PresetCatalog {
  rooms: Chip[];
  styles: Chip[];
  /** The prompt for a room and a style; either may be absent. */
  prompt(room: Chip | undefined, style: Chip | undefined): string;
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
  prompt(room, style) {
    const what = room ? `this ${room.phrase}` : 'this room';
    const how = style ? style.phrase : 'tasteful furniture that suits it';
    return `Stage ${what} with ${how}. ${KEEP}`;
  },
};
