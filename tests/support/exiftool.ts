/** Reads a file's metadata with exiftool (Debian: libimage-exiftool-perl; .ci/run installs it). */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './cli.js';

/** Every tag exiftool finds, with group names (`XMP-iptcExt:DigitalSourceType`, `GPS:GPSLatitude`). */
export function exiftool(file: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile('exiftool', ['-j', '-a', '-G1', file], (error, stdout) => {
      if (error && !stdout) return reject(error);
      resolve((JSON.parse(stdout) as Record<string, unknown>[])[0]!);
    });
  });
}

export async function exiftoolBuffer(data: Buffer, name = 'image'): Promise<Record<string, unknown>> {
  const file = path.join(await tempDir('ff-exif-'), name);
  await writeFile(file, data);
  return exiftool(file);
}
