/**
 * The upload arena (src/server/upload-arena.ts): files written into one
 * body-sized buffer, and the cases where a file must keep its own chunks.
 * multipart.test.ts checks the same bytes through a real upload.
 */
import { describe, expect, it } from 'vitest';
import { UploadArena } from '../../src/server/upload-arena.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('UploadArena', () => {
  it('files one after another are views of the one buffer, in order', () => {
    const arena = new UploadArena(64);
    const a = arena.begin();
    a.write(bytes('abc'));
    a.write(bytes('def'));
    const first = a.end();
    const b = arena.begin();
    b.write(bytes('xyz'));
    const second = b.end();
    expect(first.toString('latin1')).toBe('abcdef');
    expect(second.toString('latin1')).toBe('xyz');
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(first.byteOffset + 6);
  });

  it('a file writing while another is still open keeps its own chunks; neither is corrupted', () => {
    const arena = new UploadArena(64);
    const a = arena.begin();
    const b = arena.begin();
    a.write(bytes('aaa'));
    b.write(bytes('bbb'));
    a.write(bytes('AAA'));
    b.write(bytes('BBB'));
    const second = b.end();
    const first = a.end();
    expect(first.toString('latin1')).toBe('aaaAAA');
    expect(second.toString('latin1')).toBe('bbbBBB');
    expect(second.buffer).not.toBe(first.buffer);
  });

  it('a file longer than the space left goes on in chunks, keeping what the arena held', () => {
    const arena = new UploadArena(8);
    const a = arena.begin();
    a.write(bytes('12345'));
    a.write(bytes('6789'));
    a.write(bytes('0'));
    expect(a.end().toString('latin1')).toBe('1234567890');
    // The space that file had is kept: the next one starts after it.
    const b = arena.begin();
    b.write(bytes('xyz'));
    expect(b.end().toString('latin1')).toBe('xyz');
  });

  it('without a declared length every file keeps chunks; an empty file is empty', () => {
    const arena = new UploadArena(0);
    const a = arena.begin();
    a.write(bytes('ab'));
    a.write(bytes('cd'));
    expect(a.end().toString('latin1')).toBe('abcd');
    expect(arena.begin().end()).toHaveLength(0);
  });

  it('seal() zeroes the space no file took, leaving the files intact', () => {
    const arena = new UploadArena(16);
    const a = arena.begin();
    a.write(bytes('photo'));
    const file = a.end();
    arena.seal();
    const whole = Buffer.from(file.buffer, file.byteOffset, 16);
    expect(whole.toString('latin1')).toBe(`photo${'\0'.repeat(11)}`);
  });
});
