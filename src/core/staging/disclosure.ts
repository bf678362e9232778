/**
 * The disclosure every edited output carries unless `--no-disclosure`: an XMP
 * packet saying the photo was altered by a generative model, readable by
 * exiftool, photo libraries and listing sites. California's AB 723 (in force
 * since 2025) and listing rules require digitally altered listing photos to
 * be disclosed.
 *
 * Properties (all standard, no private namespace):
 * - Iptc4xmpExt:DigitalSourceType: IPTC NewsCodes "Digital Source Type",
 *   compositeWithTrainedAlgorithmicMedia = "a mix of captured and generative AI
 *   content" (https://cv.iptc.org/newscodes/digitalsourcetype/, namespace from
 *   the IPTC Photo Metadata Standard, https://iptc.org/std/photometadata/specification/IPTC-PhotoMetadata);
 * - Iptc4xmpExt:AISystemUsed / AISystemVersionUsed: IPTC Photo Metadata 2025.1
 *   (https://iptc.org/news/2025/11): the provider id and the model that answered;
 * - xmp:CreatorTool: the software (FrameForge and its version);
 * - dc:description: "Virtually staged".
 * No dates or ids go in: the same edit gives the same bytes (the result cache relies on it).
 */
import { VERSION } from '../../version.js';
import type { OutputFormat } from '../images.js';
import { embedXmp, embedXmpParts, embedXmpPieces } from './xmp-embed.js';

export const DIGITAL_SOURCE_TYPE = 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia';
export const DISCLOSURE_DESCRIPTION = 'Virtually staged';

export interface Disclosure {
  /** The provider id, e.g. `fal:fal-ai/nano-banana/edit`. */
  providerId: string;
  /** The model that answered, as the provider reported it. */
  model: string;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The last disclosure's packet: a server makes the same one for every answer of a provider. */
let lastPacket: { providerId: string; model: string; packet: string } | undefined;

export function disclosurePacket(disclosure: Disclosure): string {
  const { providerId, model } = disclosure;
  if (lastPacket?.providerId !== providerId || lastPacket.model !== model) lastPacket = { providerId, model, packet: buildPacket(disclosure) };
  return lastPacket.packet;
}

function buildPacket(disclosure: Disclosure): string {
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about=""',
    ' xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"',
    ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
    ' xmlns:dc="http://purl.org/dc/elements/1.1/">',
    `<Iptc4xmpExt:DigitalSourceType>${DIGITAL_SOURCE_TYPE}</Iptc4xmpExt:DigitalSourceType>`,
    `<Iptc4xmpExt:AISystemUsed>${escapeXml(disclosure.providerId)}</Iptc4xmpExt:AISystemUsed>`,
    `<Iptc4xmpExt:AISystemVersionUsed>${escapeXml(disclosure.model)}</Iptc4xmpExt:AISystemVersionUsed>`,
    `<xmp:CreatorTool>FrameForge ${escapeXml(VERSION)}</xmp:CreatorTool>`,
    `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${DISCLOSURE_DESCRIPTION}</rdf:li></rdf:Alt></dc:description>`,
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="r"?>',
  ].join('\n');
}

/** The image with the disclosure added; `data` must already be metadata-free (encodeOutput's result). */
export function addDisclosure(data: Buffer, format: OutputFormat, disclosure: Disclosure): Buffer {
  return embedXmp(data, format, disclosurePacket(disclosure));
}

/** addDisclosure's result as pieces (embedXmpParts): the same bytes, without copying the image. */
export function disclosureParts(data: Buffer, format: OutputFormat, disclosure: Disclosure): Buffer[] {
  return embedXmpParts(data, format, disclosurePacket(disclosure));
}

/** disclosureParts of an image held in pieces (an upload the mock answered): nothing of the image is copied. */
export function disclosurePieces(pieces: readonly Buffer[], format: OutputFormat, disclosure: Disclosure): Buffer[] {
  return embedXmpPieces(pieces, format, disclosurePacket(disclosure));
}
