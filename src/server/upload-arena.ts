/**
 * Where an upload's file bytes are gathered: one buffer the size of the
 * request body, written as the bytes arrive, each file a view of its part.
 * Gathering chunks and copying them together at the end (Buffer.concat)
 * touched every byte twice and left the chunks as garbage; on a 10 MB
 * upload that copy and the collections it caused were a large share of the
 * server's CPU per edit (issue 15).
 *
 * A file writes into the arena only while no other file is doing so and
 * its bytes fit; otherwise (a body without Content-Length, a part whose
 * data events overlap the next part's, a body longer than declared) it
 * keeps chunks and copies them together at its end, as before. Bytes of
 * the arena no file covers are zeroed once the body is read (seal), so the
 * memory under a file's view holds nothing but this request's bytes.
 */
export class UploadArena {
  private readonly buffer: Buffer;
  private used = 0;
  private owner: FileWriter | undefined;

  /** `capacity`: the body's declared length (0: none, every file keeps chunks). */
  constructor(capacity: number) {
    // Slow: a buffer of its own, never a slice of Node's shared pool.
    this.buffer = Buffer.allocUnsafeSlow(capacity);
  }

  begin(): FileWriter {
    return new FileWriter(this);
  }

  /** Claims the free space for `writer`'s bytes; the offset it starts at, or -1. */
  claim(writer: FileWriter): number {
    if (this.owner !== undefined && this.owner !== writer) return -1;
    this.owner = writer;
    return this.used;
  }

  /** Copies `chunk` in at the end of the owner's bytes, if it fits. */
  append(chunk: Buffer): boolean {
    if (this.used + chunk.length > this.buffer.length) return false;
    chunk.copy(this.buffer, this.used);
    this.used += chunk.length;
    return true;
  }

  /** Ends `writer`'s ownership; its bytes are the view from `start` to where the arena is filled. */
  release(writer: FileWriter, start: number): Buffer {
    if (this.owner === writer) this.owner = undefined;
    return this.buffer.subarray(start, this.used);
  }

  /**
   * Zeroes the space no file took, once the whole body is read: then only its
   * boundaries and text fields are left (a few hundred bytes, at most the
   * fields' limit). Not called for a refused upload, whose files are dropped.
   */
  seal(): void {
    this.buffer.fill(0, this.used);
  }
}

/** One file's bytes: in the arena while they fit and no other file writes there, else in chunks. */
export class FileWriter {
  private start = -1;
  private chunks: Buffer[] | undefined;

  constructor(private readonly arena: UploadArena) {}

  write(chunk: Buffer): void {
    if (this.chunks) {
      this.chunks.push(chunk);
      return;
    }
    if (this.start === -1) this.start = this.arena.claim(this);
    if (this.start !== -1 && this.arena.append(chunk)) return;
    // From here on in chunks, starting with what the arena holds of this file.
    this.chunks = this.start === -1 ? [chunk] : [this.arena.release(this, this.start), chunk];
  }

  /** The file's bytes; a view of the arena when they all went there. */
  end(): Buffer {
    if (this.chunks) return Buffer.concat(this.chunks);
    if (this.start === -1) return Buffer.alloc(0);
    return this.arena.release(this, this.start);
  }
}
