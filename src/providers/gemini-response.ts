/**
 * Picks the result out of a Gemini response: the LAST inline image that is not
 * a thought (Gemini 3 models send draft images marked `thought: true` before
 * the final one). A 200 without one is a refusal the user must hear about,
 * with the block reason, finish reason and any text the model gave
 * (provider-protocols A.3), never a silent success.
 */
import type { GenerateContentResponse, Part } from '@google/genai';
import { FrameForgeError } from '../core/errors.js';

export interface GeminiImage {
  data: Buffer;
  mimeType: string;
  text?: string;
}

function describeMissingImage(response: GenerateContentResponse, text: string): string {
  const feedback = response.promptFeedback;
  const candidate = response.candidates?.[0];
  const reasons: string[] = [];
  if (feedback?.blockReason) {
    reasons.push(`the prompt was blocked (${feedback.blockReason}${feedback.blockReasonMessage ? `: ${feedback.blockReasonMessage}` : ''})`);
  } else if (!candidate) {
    reasons.push('the response had no candidates');
  }
  if (candidate?.finishReason && candidate.finishReason !== 'STOP') {
    reasons.push(`finish reason ${candidate.finishReason}${candidate.finishMessage ? ` (${candidate.finishMessage})` : ''}`);
  }
  if (text) reasons.push(`the model said: "${text.length > 300 ? `${text.slice(0, 299)}…` : text}"`);
  if (reasons.length === 0) reasons.push('it answered without an image');
  return reasons.join('; ');
}

export function extractImage(response: GenerateContentResponse, providerId: string): GeminiImage {
  const parts: Part[] = response.candidates?.[0]?.content?.parts ?? [];
  const text = parts
    .filter((p) => typeof p.text === 'string' && !p.thought)
    .map((p) => p.text)
    .join('')
    .trim();
  const image = [...parts].reverse().find((p) => p.inlineData?.data && !p.thought);
  if (!image?.inlineData?.data) {
    throw new FrameForgeError(
      'model_refused',
      `Gemini returned no image for ${providerId}: ${describeMissingImage(response, text)}.`,
      { hint: 'Rephrase the prompt or try another image; nothing was written.' },
    );
  }
  return {
    data: Buffer.from(image.inlineData.data, 'base64'),
    mimeType: image.inlineData.mimeType ?? 'image/png',
    ...(text ? { text } : {}),
  };
}
