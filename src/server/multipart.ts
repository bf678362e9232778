/**
 * Reads a multipart/form-data upload as a stream (busboy), enforcing every
 * limit while reading: the moment a file passes 10 MB, the body passes 50 MB
 * or the part counts run over, it rejects and stops reading; the caller
 * answers 413 and closes the connection instead of draining the rest.
 * A body that stops arriving for `idleMs`, or arrives slower than
 * `minBytesPerSecond` over a window of `rateWindowMs`, is rejected with 408:
 * a trickling client would otherwise hold its edit slot (and its memory)
 * for the whole route deadline.
 * Files are kept as bytes: the core checks them by their bytes, not by the
 * name or type the client declared. Each file is the chunks busboy handed
 * over (views of the socket's reads), kept as they are (`pieces`; `data`
 * joins them on first read, core/image-pieces.ts): the core's pass-through
 * path of an upright JPEG and the mock answer them without ever copying the
 * upload. Copying every upload into one buffer, and the collections its
 * buffers caused, were most of what an edit cost beyond a bare server (issue 15).
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { FrameForgeError } from '../core/errors.js';
import { withPieces } from '../core/image-pieces.js';

const MB = 1024 * 1024;

export interface MultipartLimits {
  fileSize: number;
  requestSize: number;
  files: number;
  fields: number;
  parts: number;
  fieldSize: number;
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = {
  fileSize: 10 * MB,
  requestSize: 50 * MB,
  files: 20,
  fields: 20,
  parts: 40,
  fieldSize: 64 * 1024,
};

export interface UploadedFile {
  field: string;
  /** The client's file name, cleaned for messages. */
  name: string;
  /** The file's bytes (joined from `pieces` on first read). */
  readonly data: Buffer;
  /** The same bytes as the chunks they arrived in (not enumerable: core/image-pieces.ts). */
  readonly pieces: readonly Buffer[];
}

export interface MultipartForm {
  files: UploadedFile[];
  fields: Map<string, string>;
}

export interface ReadMultipartOptions {
  limits: MultipartLimits;
  /** Field names that may carry files; a file in any other field is refused. */
  fileFields: ReadonlySet<string>;
  idleMs: number;
  /** 0 or unset: no minimum. Checked once a window, over that window's bytes. */
  minBytesPerSecond?: number;
  rateWindowMs?: number;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / MB)} MB`;
}

/** A file name fit for an error message: no path, no control characters, not endless. */
export function cleanFileName(raw: string | undefined, index: number): string {
  // eslint-disable-next-line no-control-regex
  const base = (raw ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 100);
  return base || `upload ${index}`;
}

export function readMultipart(req: IncomingMessage, options: ReadMultipartOptions): Promise<MultipartForm> {
  const { limits } = options;
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    return Promise.reject(
      new FrameForgeError('bad_request', 'POST /api/edit takes a multipart/form-data body.', {
        hint: 'Send the image in a form field named "images".',
      }),
    );
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.requestSize) {
    return Promise.reject(tooLarge(declared, limits.requestSize));
  }

  return new Promise<MultipartForm>((resolve, reject) => {
    const files: UploadedFile[] = [];
    const fields = new Map<string, string>();
    let received = 0;
    let settled = false;
    let parser: busboy.Busboy;
    let idle: NodeJS.Timeout | undefined;
    let rateCheck: NodeJS.Timeout | undefined;

    const finish = (error?: FrameForgeError) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearInterval(rateCheck);
      req.off('data', onData);
      req.off('close', onClose);
      req.off('error', onClose);
      if (error) {
        // Stop reading: nothing more of this body is parsed or kept.
        req.unpipe(parser);
        req.pause();
        reject(error);
      } else {
        resolve({ files, fields });
      }
    };
    // One timer for the whole upload. A chunk only notes when it came; the timer, when it
    // fires, waits on for whatever is left of `idleMs` since the last chunk, and fails
    // the upload when the whole of it has passed. Pushing the timer back on every
    // chunk (refresh()) re-queued it in the timer list 16 times a megabyte.
    let lastData = performance.now();
    const checkIdle = () => {
      const quiet = performance.now() - lastData;
      if (quiet >= options.idleMs) finish(new FrameForgeError('request_timeout', `The upload stalled: no data for ${options.idleMs / 1000} s.`));
      else idle = setTimeout(checkIdle, options.idleMs - quiet);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      lastData = performance.now();
      if (received > limits.requestSize) finish(tooLarge(received, limits.requestSize));
    };
    const onClose = () => {
      if (!req.complete) finish(new FrameForgeError('cancelled', 'The client closed the connection during the upload.'));
    };

    try {
      parser = busboy({
        headers: req.headers,
        // busboy reports a size or part limit on reaching it, not on passing it: one more, so
        // that a file of exactly 10 MB (a field of exactly fieldSize, a form of exactly `parts`
        // parts) is read, and a refusal's "larger than" is true. Files and fields it counts as
        // "more than" already.
        limits: {
          fileSize: limits.fileSize + 1,
          files: limits.files,
          fields: limits.fields,
          parts: limits.parts + 1,
          fieldSize: limits.fieldSize + 1,
        },
      });
    } catch (error) {
      reject(new FrameForgeError('bad_request', 'The multipart body has no boundary.', { cause: error }));
      return;
    }

    // Counted as parts arrive: a file is only in `files` once it has ended, which can be after the next begins.
    let fileParts = 0;
    parser.on('file', (field, stream, info) => {
      const name = cleanFileName(info.filename, ++fileParts);
      if (!options.fileFields.has(field)) {
        stream.resume();
        finish(
          new FrameForgeError('bad_request', `Unexpected file field "${field.slice(0, 40)}".`, {
            subject: field,
            hint: 'Send images in the field "images" (or "image").',
          }),
        );
        return;
      }
      // Kept as busboy hands them over: views of the socket's reads (copies only where a chunk
      // straddled a boundary search), so nothing else holds on to them.
      const chunks: Buffer[] = [];
      // A cut-off part errors its stream; the parser's own error (below) already answers for it.
      stream.on('error', () => {});
      stream.on('data', (chunk: Buffer) => {
        if (!settled) chunks.push(chunk);
      });
      stream.on('limit', () =>
        finish(
          new FrameForgeError('file_too_large', `${name} is larger than ${mb(limits.fileSize)}.`, {
            subject: name,
            hint: `Send files of at most ${mb(limits.fileSize)}.`,
          }),
        ),
      );
      stream.on('end', () => {
        if (!settled) files.push(withPieces({ field, name }, chunks));
      });
    });
    parser.on('field', (field, value, info) => {
      if (info.valueTruncated) {
        finish(new FrameForgeError('request_too_large', `The field "${field.slice(0, 40)}" is longer than ${limits.fieldSize / 1024} KB.`, { subject: field }));
        return;
      }
      if (!fields.has(field)) fields.set(field, value);
    });
    const tooMany = (what: string, max: number) => () =>
      finish(new FrameForgeError('too_many_parts', `The form has more than ${max} ${what}.`, { hint: 'Send fewer files or fields.' }));
    parser.on('filesLimit', tooMany('files', limits.files));
    parser.on('fieldsLimit', tooMany('fields', limits.fields));
    parser.on('partsLimit', tooMany('parts', limits.parts));
    // Kept after settling: a parser left behind may still report the body's end as an error.
    parser.on('error', (error: unknown) =>
      finish(new FrameForgeError('bad_request', 'The multipart body is malformed.', { cause: error, hint: 'Send a well-formed multipart/form-data body.' })),
    );
    parser.on('close', () => finish());

    req.on('data', onData);
    req.on('close', onClose);
    req.on('error', onClose);
    idle = setTimeout(checkIdle, options.idleMs);
    const minRate = options.minBytesPerSecond ?? 0;
    const windowMs = options.rateWindowMs ?? 30_000;
    if (minRate > 0) {
      let atWindowStart = 0;
      rateCheck = setInterval(() => {
        const rate = ((received - atWindowStart) * 1000) / windowMs;
        atWindowStart = received;
        if (rate < minRate) finish(tooSlow(rate, minRate, windowMs));
      }, windowMs);
    }
    req.pipe(parser);
  });
}

function kb(bytesPerSecond: number): string {
  return `${Math.round((bytesPerSecond / 1024) * 10) / 10} KB/s`;
}

function tooSlow(rate: number, minRate: number, windowMs: number): FrameForgeError {
  return new FrameForgeError('request_timeout', `The upload was too slow: ${kb(rate)} over the last ${windowMs / 1000} s, under this server's minimum of ${kb(minRate)}.`, {
    hint: 'Send the image over a faster connection, or a smaller one.',
  });
}

function tooLarge(size: number, max: number): FrameForgeError {
  return new FrameForgeError('request_too_large', `The request body is larger than ${mb(max)}.`, {
    subject: String(size),
    hint: `Send at most ${mb(max)} in one request (10 MB a file).`,
  });
}
