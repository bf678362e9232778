/**
 * readMultipart behind a bare node:http server, with limits a few MB wide so
 * every boundary (at the limit: read; one byte over: refused) is cheap to
 * reach. api.test.ts checks the real limits through the real server.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FrameForgeError } from '../../src/core/errors.js';
import { cleanFileName, readMultipart, type MultipartForm, type MultipartLimits } from '../../src/server/multipart.js';
import { BOUNDARY, chunked, partHead, rawRequest } from './helpers.js';

const MB = 1024 * 1024;
const LIMITS: MultipartLimits = { fileSize: MB, requestSize: 2 * MB, files: 3, fields: 3, parts: 5, fieldSize: 1024 };

interface Outcome {
  files?: { field: string; name: string; size: number; first: number; sha256?: string }[];
  fields?: Record<string, string>;
  error?: { code: string; message: string; subject?: string; hint?: string };
}

let server: Server;
let url = '';
/** Every outcome, in order, and whoever waits for the next. */
const outcomes: Outcome[] = [];
let nextOutcome: ((o: Outcome) => void) | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const idleMs = Number(req.headers['x-idle-ms'] ?? 30_000);
    readMultipart(req, { limits: LIMITS, fileFields: new Set(['images', 'image']), idleMs }).then(
      (form) => ({
        files: form.files.map((f) => ({
          field: f.field,
          name: f.name,
          size: f.data.length,
          first: f.data[0] ?? -1,
          ...(req.headers['x-sha'] ? { sha256: createHash('sha256').update(f.data).digest('hex') } : {}),
        })),
        fields: Object.fromEntries(form.fields),
      }),
      (error: FrameForgeError) => ({
        error: { code: error.code, message: error.message, ...(error.subject ? { subject: error.subject } : {}), ...(error.hint ? { hint: error.hint } : {}) },
      }),
    ).then((outcome: Outcome) => {
      outcomes.push(outcome);
      nextOutcome?.(outcome);
      if (res.destroyed) return;
      const text = JSON.stringify(outcome);
      res.writeHead(outcome.error ? 400 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

type Part = [field: string, value: Buffer | string, filename?: string];

/** A multipart body, exactly as sent. */
function body(parts: Part[]): Buffer {
  const pieces: Buffer[] = [];
  for (const [field, value, filename] of parts) {
    const name = filename === undefined ? '' : `; filename="${filename}"`;
    const partHeader = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"${name}\r\n${filename === undefined ? '' : 'Content-Type: image/jpeg\r\n'}\r\n`;
    pieces.push(Buffer.from(partHeader), Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

function head(contentLength: number | undefined, type = `multipart/form-data; boundary=${BOUNDARY}`, extra = ''): string {
  const length = contentLength === undefined ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${contentLength}\r\n`;
  return `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\n${length}${extra}\r\n`;
}

async function send(parts: Part[], options: { chunked?: boolean; type?: string; sha?: boolean; pieces?: number } = {}): Promise<Outcome> {
  const data = body(parts);
  const extra = options.sha ? 'X-Sha: 1\r\n' : '';
  // In `pieces` writes, so that a file's bytes arrive over several reads.
  const step = Math.ceil(data.length / (options.pieces ?? 1));
  const pieces = Array.from({ length: Math.ceil(data.length / step) }, (_, i) => data.subarray(i * step, (i + 1) * step));
  const res = options.chunked
    ? await rawRequest(url, head(undefined, options.type, extra), chunked(pieces))
    : await rawRequest(url, head(data.length, options.type, extra), pieces);
  return JSON.parse(res.body) as Outcome;
}

const file = (size: number, fill = 0xab) => Buffer.alloc(size, fill);

describe('a good form', () => {
  it('yields the files (names cleaned) and the fields (the first of a repeated field wins)', async () => {
    const outcome = await send([
      ['images', file(10, 1), 'C:\\photos\\room.jpg'],
      ['prompt', 'add a sofa'],
      ['image', file(20, 2), 'dir/'],
      ['prompt', 'ignored'],
      ['provider', 'mock'],
    ]);
    expect(outcome).toEqual({
      files: [
        { field: 'images', name: 'room.jpg', size: 10, first: 1 },
        { field: 'image', name: 'upload 2', size: 20, first: 2 },
      ],
      fields: { prompt: 'add a sofa', provider: 'mock' },
    });
  });

  it('yields every file byte for byte, with a Content-Length (one buffer for the body) or chunked', async () => {
    const noise = (size: number, seed: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff));
    const files = [noise(300_000, 1), noise(5, 2), noise(700_000, 3)];
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const parts: Part[] = [['images', files[0]!, 'a.jpg'], ['prompt', 'p'], ['images', files[1]!, 'b.jpg'], ['image', files[2]!, 'c.jpg']];
    for (const chunkedBody of [false, true]) {
      const outcome = await send(parts, { chunked: chunkedBody, sha: true, pieces: 17 });
      expect(outcome.files!.map((f) => [f.name, f.size, f.sha256])).toEqual([
        ['a.jpg', 300_000, sha(files[0]!)],
        ['b.jpg', 5, sha(files[1]!)],
        ['c.jpg', 700_000, sha(files[2]!)],
      ]);
      expect(outcome.fields).toEqual({ prompt: 'p' });
    }
  });

  it('takes a content type in any case', async () => {
    expect((await send([['images', file(5), 'a.jpg']], { type: `Multipart/Form-Data; boundary=${BOUNDARY}` })).files).toHaveLength(1);
  });
});

describe('size limits: at the limit read, one byte over refused', () => {
  it('a file of exactly fileSize is read; one byte more is file_too_large naming the file', async () => {
    expect((await send([['images', file(MB), 'max.jpg']])).files![0]!.size).toBe(MB);
    expect((await send([['images', file(MB + 1), 'big.jpg']])).error).toEqual({
      code: 'file_too_large',
      message: 'big.jpg is larger than 1 MB.',
      subject: 'big.jpg',
      hint: 'Send files of at most 1 MB.',
    });
  });

  /** Two files whose whole body is `total` bytes. */
  function bodyOf(total: number): Part[] {
    const overhead = body([['images', Buffer.alloc(0), 'a.jpg'], ['images', Buffer.alloc(0), 'b.jpg']]).length;
    return [['images', file(MB), 'a.jpg'], ['images', file(total - overhead - MB), 'b.jpg']];
  }

  it('a declared Content-Length of exactly requestSize is read; one more is refused before reading', async () => {
    expect(body(bodyOf(2 * MB)).length).toBe(2 * MB);
    expect((await send(bodyOf(2 * MB))).files).toHaveLength(2);
    const res = await rawRequest(url, head(2 * MB + 1));
    expect(res.bytesSent).toBe(0);
    expect((JSON.parse(res.body) as Outcome).error).toEqual({
      code: 'request_too_large',
      message: 'The request body is larger than 2 MB.',
      subject: String(2 * MB + 1),
      hint: 'Send at most 2 MB in one request (10 MB a file).',
    });
  });

  it('a chunked body is counted as it arrives: exactly requestSize is read, one more refused', async () => {
    expect((await send(bodyOf(2 * MB), { chunked: true })).files).toHaveLength(2);
    const over = await send(bodyOf(2 * MB + 1), { chunked: true });
    expect(over.error).toMatchObject({ code: 'request_too_large', message: 'The request body is larger than 2 MB.' });
  });

  it('a field of exactly fieldSize is read; longer is request_too_large naming the field', async () => {
    const exact = await send([['prompt', 'p'.repeat(1024)]]);
    expect(exact.fields!.prompt).toHaveLength(1024);
    expect((await send([['prompt', 'p'.repeat(1025)]])).error).toEqual({
      code: 'request_too_large',
      message: 'The field "prompt" is longer than 1 KB.',
      subject: 'prompt',
    });
  });
});

describe('count limits', () => {
  it.each([
    ['files', [1, 2, 3, 4].map((i): Part => ['images', file(1), `${i}.jpg`]), 'The form has more than 3 files.'],
    ['fields', [1, 2, 3, 4].map((i): Part => [`f${i}`, 'v']), 'The form has more than 3 fields.'],
    ['parts', [...[1, 2, 3].map((i): Part => ['images', file(1), `${i}.jpg`]), ...[1, 2, 3].map((i): Part => [`f${i}`, 'v'])], 'The form has more than 5 parts.'],
  ])('one more than the limit of %s is too_many_parts', async (_, parts, message) => {
    expect((await send(parts)).error).toEqual({ code: 'too_many_parts', message, hint: 'Send fewer files or fields.' });
  });

  it('exactly at each count limit is read', async () => {
    const outcome = await send([['images', file(1), '1.jpg'], ['images', file(1), '2.jpg'], ['images', file(1), '3.jpg'], ['a', '1'], ['b', '2']]);
    expect(outcome.files).toHaveLength(3);
    expect(Object.keys(outcome.fields!)).toEqual(['a', 'b']);
  });
});

describe('bad forms', () => {
  it('a file in another field is bad_request naming the field', async () => {
    expect((await send([['photo', file(3), 'a.jpg']])).error).toEqual({
      code: 'bad_request',
      message: 'Unexpected file field "photo".',
      subject: 'photo',
      hint: 'Send images in the field "images" (or "image").',
    });
  });

  it('not multipart, or multipart without a boundary, is bad_request', async () => {
    const json = await rawRequest(url, head(2, 'application/json'), [Buffer.from('{}')]);
    expect((JSON.parse(json.body) as Outcome).error).toEqual({
      code: 'bad_request',
      message: 'POST /api/edit takes a multipart/form-data body.',
      hint: 'Send the image in a form field named "images".',
    });
    const bare = await rawRequest(url, head(1, 'multipart/form-data'), [Buffer.from('x')]);
    expect((JSON.parse(bare.body) as Outcome).error!.code).toBe('bad_request');
    const noBoundary = await rawRequest(url, head(1, 'multipart/form-data; charset=utf-8'), [Buffer.from('x')]);
    expect((JSON.parse(noBoundary.body) as Outcome).error).toMatchObject({ code: 'bad_request', message: 'The multipart body has no boundary.' });
  });

  it('a body cut off inside a part is bad_request', async () => {
    const cut = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="images"; filename="a.jpg"\r\n\r\nabc`);
    const res = await rawRequest(url, head(cut.length), [cut]);
    expect((JSON.parse(res.body) as Outcome).error).toEqual({
      code: 'bad_request',
      message: 'The multipart body is malformed.',
      hint: 'Send a well-formed multipart/form-data body.',
    });
  });
});

describe('a client that stops', () => {
  it('an upload with no data for idleMs is request_timeout', async () => {
    const res = await rawRequest(url, head(10_000, undefined, 'X-Idle-Ms: 100\r\n'), [partHead('images', 'slow.jpg')]);
    expect((JSON.parse(res.body) as Outcome).error).toEqual({ code: 'request_timeout', message: 'The upload stalled: no data for 0.1 s.' });
  });

  it('a client that closes the connection mid-upload is cancelled', async () => {
    const outcome = new Promise<Outcome>((resolve) => (nextOutcome = resolve));
    // Promises 10 000 bytes, sends the head of a part, then closes (the request fails on our side).
    await rawRequest(url, head(10_000), [partHead('images', 'gone.jpg')], { endAfterChunks: true }).catch(() => undefined);
    expect((await outcome).error).toEqual({ code: 'cancelled', message: 'The client closed the connection during the upload.' });
    nextOutcome = undefined;
  });
});

/**
 * readMultipart on a stream the test writes into, standing in for the socket (readMultipart
 * only reads it), with the upload's timers the test's to move: a window or an idle spell
 * passes when the test says, whatever the machine's load.
 */
function streamed(options: { minBytesPerSecond?: number; rateWindowMs?: number; idleMs?: number; contentType?: string; contentLength?: number } = {}) {
  // performance too: the idle check measures the quiet since the last chunk with performance.now().
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
  const req = Object.assign(new PassThrough(), {
    headers: {
      'content-type': options.contentType ?? `multipart/form-data; boundary=${BOUNDARY}`,
      'content-length': String(options.contentLength ?? 1_000_000),
    },
    complete: false,
  });
  const { contentType: _type, contentLength: _length, idleMs = 3_600_000, ...rate } = options;
  const result: { form?: MultipartForm; error?: FrameForgeError } = {};
  const done = readMultipart(req as never, { limits: LIMITS, fileFields: new Set(['images']), idleMs, ...rate }).then(
    (form) => (result.form = form),
    (error: FrameForgeError) => (result.error = error),
  );
  /** Hands `bytes` to the parser and lets it read them (the stream passes data on a later tick). */
  const send = async (bytes: Buffer | number) => {
    req.write(typeof bytes === 'number' ? file(bytes) : bytes);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const timePasses = async (ms: number) => {
    vi.advanceTimersByTime(ms);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { req, result, done, send, timePasses, windowPasses: timePasses };
}

describe('a client that sends too slowly', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('each window is judged by its own bytes: at or above the minimum goes on, below it is request_timeout', async () => {
    const upload = streamed({ minBytesPerSecond: 2048, rateWindowMs: 2000 });
    await upload.send(partHead('images', 'slow.jpg'));
    await upload.send(3 * 4096);
    await upload.windowPasses(2000); // 6 KB/s over the first window
    expect(upload.result).toEqual({});
    await upload.send(4096);
    await upload.windowPasses(2000); // exactly 2 KB/s: enough
    expect(upload.result).toEqual({});
    await upload.send(3072);
    await upload.windowPasses(1999);
    expect(upload.result).toEqual({});
    await upload.windowPasses(1); // 1.5 KB/s, though the whole upload averaged far more
    await upload.done;
    expect(upload.result.error).toMatchObject({
      code: 'request_timeout',
      message: "The upload was too slow: 1.5 KB/s over the last 2 s, under this server's minimum of 2 KB/s.",
      hint: 'Send the image over a faster connection, or a smaller one.',
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('without rateWindowMs the window is 30 s', async () => {
    const upload = streamed({ minBytesPerSecond: 1024 });
    await upload.send(partHead('images', 'slow.jpg'));
    await upload.windowPasses(29_999);
    expect(upload.result).toEqual({});
    await upload.windowPasses(1);
    await upload.done;
    expect(upload.result.error?.message).toBe("The upload was too slow: 0 KB/s over the last 30 s, under this server's minimum of 1 KB/s.");
  });

  it('an upload that ends inside its window is read, and leaves no timer behind', async () => {
    const upload = streamed({ minBytesPerSecond: 1024 * 1024, rateWindowMs: 1000 });
    const whole = body([['images', file(10, 7), 'quick.jpg']]);
    upload.req.complete = true;
    upload.req.end(whole);
    await upload.done;
    expect(upload.result.form?.files.map((f) => [f.name, f.data.length])).toEqual([['quick.jpg', 10]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with no minimum there is no rate check: only the idle timer runs', async () => {
    const upload = streamed({ minBytesPerSecond: 0, rateWindowMs: 1000 });
    await upload.send(partHead('images', 'slow.jpg'));
    expect(vi.getTimerCount()).toBe(1);
    await upload.windowPasses(10_000);
    expect(upload.result).toEqual({});
    upload.req.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(upload.result.error?.code).toBe('cancelled');
  });
});

describe('the upload as a stream', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the idle timer starts before any byte, and each arrival pushes it back', async () => {
    const silent = streamed({ idleMs: 1000 });
    await silent.timePasses(1000);
    expect(silent.result.error).toMatchObject({ code: 'request_timeout', message: 'The upload stalled: no data for 1 s.' });
    vi.useRealTimers();

    const upload = streamed({ idleMs: 1000 });
    await upload.send(partHead('images', 'slow.jpg'));
    for (let i = 0; i < 5; i++) {
      await upload.timePasses(999);
      await upload.send(100);
    }
    expect(upload.result).toEqual({});
    await upload.timePasses(1000);
    expect(upload.result.error?.code).toBe('request_timeout');
  });

  it('a refused upload stops reading: the request is unpiped, paused and left without our listeners', async () => {
    const upload = streamed({ idleMs: 1000 });
    const listeners = () => ['data', 'close', 'error', 'end'].map((event) => upload.req.listenerCount(event));
    await upload.send(partHead('images', 'slow.jpg'));
    expect(listeners().every((n) => n > 0)).toBe(true);
    await upload.timePasses(1000);
    expect(upload.result.error?.code).toBe('request_timeout');
    expect(upload.req.isPaused()).toBe(true);
    expect(listeners()).toEqual([0, 0, 0, 0]);
  });

  it('each file is kept as the chunks it arrived in, not copied; its data joins them on first read', async () => {
    const a = file(3000, 1);
    const whole = body([['images', a, 'a.jpg'], ['prompt', 'p'], ['images', file(2000, 2), 'b.jpg']]);
    const upload = streamed({ contentLength: whole.length });
    // a.jpg's bytes arrive in two writes, split in the middle of the file.
    const split = whole.indexOf(a) + 1000;
    await upload.send(whole.subarray(0, split));
    upload.req.complete = true;
    upload.req.end(whole.subarray(split));
    await upload.done;
    const [first, second] = upload.result.form!.files;
    expect(first!.pieces.map((p) => p.length)).toEqual([1000, 2000]);
    // Views of what the socket (here the test) handed over: the same memory, no copy.
    expect(first!.pieces[0]!.buffer).toBe(whole.buffer);
    expect(first!.data.equals(a)).toBe(true);
    expect(second!.data.length).toBe(2000);
    // A spread or JSON of a file carries its data, never the pieces.
    expect(Object.keys(first!)).toEqual(['field', 'name', 'data']);
  });

  it('a multipart type without a boundary is refused with busboy\'s reason kept as the cause', async () => {
    const upload = streamed({ contentType: 'multipart/form-data; charset=utf-8' });
    await upload.done;
    expect(upload.result.error).toMatchObject({ code: 'bad_request', message: 'The multipart body has no boundary.' });
    expect(upload.result.error!.cause).toBeInstanceOf(Error);
  });
});

describe('names in messages', () => {
  it('a file name loses its path, control characters and surrounding spaces, and stops at 100 characters', () => {
    expect(cleanFileName('  C:\\photos\\ro\u0007om.jpg  ', 1)).toBe('room.jpg');
    expect(cleanFileName(`${'n'.repeat(150)}.jpg`, 1)).toBe('n'.repeat(100));
    expect(cleanFileName(' \u0001 ', 3)).toBe('upload 3');
    expect(cleanFileName(undefined, 2)).toBe('upload 2');
  });

  it('a field name is cut to 40 characters in a message, kept whole as the subject', async () => {
    const long = `f${'x'.repeat(59)}`;
    expect((await send([[long, file(3), 'a.jpg']])).error).toMatchObject({ message: `Unexpected file field "${long.slice(0, 40)}".`, subject: long });
    expect((await send([[long, 'p'.repeat(1025)]])).error).toMatchObject({ message: `The field "${long.slice(0, 40)}" is longer than 1 KB.`, subject: long });
  });

  it('only a type that starts with multipart/form-data is read, spaces before its ";" allowed', async () => {
    expect((await send([['images', file(5), 'a.jpg']], { type: `multipart/form-data ; boundary=${BOUNDARY}` })).files).toHaveLength(1);
    const disguised = await send([['images', file(5), 'a.jpg']], { type: `text/plain; x=multipart/form-data; boundary=${BOUNDARY}` });
    expect(disguised.error).toMatchObject({ code: 'bad_request', message: 'POST /api/edit takes a multipart/form-data body.' });
  });
});
