/**
 * The staging presets: every room, style and the declutter step, as data.
 * This is the one file to edit to tune a look; `frameforge presets`,
 * `GET /api/presets` and the README's preset tables all read it (a test keeps
 * the README in step). The wording is deliberately plain and concrete: image
 * models follow lists of objects and materials better than adjectives.
 */

/** Said in every preset prompt: a listing photo must still show the real room. */
export const PRESERVE_RULE =
  'Preserve the architecture, windows, doors and lighting exactly as they are: keep the walls, floor, ceiling, ' +
  'openings, camera angle and perspective unchanged, and keep the result photorealistic.';

export interface RoomPreset {
  readonly label: string;
  /** What a staged room of this kind holds. */
  readonly furnish: string;
}

export const ROOMS = {
  'living-room': {
    label: 'living room',
    furnish: 'a sofa, an armchair, a coffee table, a rug, a floor lamp, a side table, plants and wall art',
  },
  bedroom: {
    label: 'bedroom',
    furnish: 'a made double bed with pillows and a throw, two nightstands with lamps, a rug, a dresser and wall art',
  },
  kitchen: {
    label: 'kitchen',
    furnish: 'bar stools at the counter, a bowl of fruit, a few neatly placed kitchen accessories and a plant',
  },
  'dining-room': {
    label: 'dining room',
    furnish: 'a dining table with chairs, a simple table setting, a sideboard, a rug and wall art',
  },
  office: {
    label: 'home office',
    furnish: 'a desk with a chair, a desk lamp, a bookshelf with books, a rug and a plant',
  },
  bathroom: {
    label: 'bathroom',
    furnish: 'folded towels, a bath mat, a small plant, soap dispensers and a few tasteful accessories',
  },
  'kids-room': {
    label: "children's room",
    furnish: 'a single bed with colourful bedding, a small desk and chair, toy storage, a playful rug and wall decor',
  },
  outdoor: {
    label: 'outdoor space (patio, balcony or garden)',
    furnish: 'outdoor seating, a table, potted plants, cushions and an outdoor rug',
  },
} as const satisfies Record<string, RoomPreset>;

export interface StylePreset {
  readonly label: string;
  /** Materials, colours and forms that make the style. */
  readonly look: string;
}

export const STYLES = {
  modern: { label: 'modern', look: 'clean lines, neutral colours with black accents, sleek furniture and minimal decor' },
  scandinavian: {
    label: 'Scandinavian',
    look: 'light wood, white and soft grey textiles, cosy wool throws, simple functional furniture and greenery',
  },
  industrial: {
    label: 'industrial',
    look: 'leather, dark metal, reclaimed wood, Edison bulbs and muted earthy tones',
  },
  'mid-century': {
    label: 'mid-century modern',
    look: 'walnut wood, tapered legs, organic curves, mustard and teal accents and graphic prints',
  },
  farmhouse: {
    label: 'modern farmhouse',
    look: 'whitewashed and natural wood, linen, vintage accents, woven baskets and warm neutral tones',
  },
  coastal: {
    label: 'coastal',
    look: 'white and sandy tones with soft blues, light wood, rattan, linen and airy, breezy decor',
  },
  luxury: {
    label: 'luxury',
    look: 'velvet and marble, brass accents, statement lighting, rich colours and high-end designer furniture',
  },
  minimalist: {
    label: 'minimalist',
    look: 'very few pieces, a monochrome palette, clean surfaces and no clutter',
  },
  bohemian: {
    label: 'bohemian',
    look: 'layered patterned rugs, macramé, rattan, many plants, warm earthy colours and eclectic decor',
  },
  traditional: {
    label: 'traditional',
    look: 'classic wood furniture, rich fabrics, symmetrical arrangements, table lamps and framed art',
  },
} as const satisfies Record<string, StylePreset>;

/** Said when a style is chosen without a room. */
export const STYLE_ONLY = 'Furnish this room with furniture and decor that suit it, in a {style} style: {look}.';
/** Said when a room is chosen; `{styleClause}` is the style sentence or a neutral one. */
export const ROOM_TEMPLATE = 'Virtually stage this {room}: add {furnish}. {styleClause}';
export const STYLE_CLAUSE = 'Use a {style} style: {look}.';
export const NEUTRAL_STYLE = 'Use a neutral, contemporary style that appeals to most buyers.';
/** Said first with --declutter; the staging (if any) follows it. */
export const DECLUTTER =
  'First remove all furniture, personal items, decor and clutter, so the room is empty and clean.';
/** With --declutter alone. */
export const DECLUTTER_ONLY = 'Leave the room empty, as if freshly cleaned for a viewing.';
/** Before the user's own --prompt when a preset is used. */
export const EXTRA_PREFIX = 'Additional instruction: ';

export type RoomId = keyof typeof ROOMS;
export type StyleId = keyof typeof STYLES;
