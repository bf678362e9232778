/** Small real images for fakes and tests (sharp renders them; no fixtures on disk). */
import sharp from 'sharp';

export function solidPng(width = 16, height = 12, color = { r: 200, g: 40, b: 90 }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

export function solidJpeg(width = 16, height = 12, color = { r: 30, g: 120, b: 220 }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).jpeg().toBuffer();
}
