/**
 * `SET key <bytes> PX ttl` for megabytes, without copying them. ioredis makes
 * one buffer of a command before writing it (Command.toWritable copies every
 * argument into it); for a 1 MB image that copy, into fresh memory, cost about
 * as much as writing it to the socket, twice per job (issue 12's overhead).
 * This command writes its header, the bytes as they are (in as many pieces as
 * they come) and its tail straight to the connection at the moment ioredis
 * writes it, so it keeps its place among the connection's commands and is
 * sent again whole after a reconnect (ioredis's own Script command overrides
 * toWritable the same way). Plain connections only: a pipeline or MULTI
 * gathers what toWritable returns, and these bytes would overtake it.
 */
import type { Writable } from 'node:stream';
import { Command, type Redis } from 'ioredis';
import { piecesLength } from '../core/image-pieces.js';

class SetBytes extends Command {
  private readonly length: number;

  constructor(
    private readonly key: string,
    private readonly pieces: readonly Buffer[],
    private readonly ttl: string,
    length = piecesLength(pieces),
  ) {
    // The arguments ioredis sees (debug logs, key checks) name the bytes without carrying them.
    super('set', [key, `<${length} bytes>`, 'PX', ttl]);
    this.length = length;
  }

  override toWritable(socket: object): string {
    const out = socket as Writable;
    const { length } = this;
    // Corked until the tail is written too: header, pieces and tail leave in one writev.
    out.cork();
    out.write(`*5\r\n$3\r\nSET\r\n$${Buffer.byteLength(this.key)}\r\n${this.key}\r\n$${length}\r\n`);
    for (const piece of this.pieces) if (piece.length > 0) out.write(piece);
    process.nextTick(() => out.uncork());
    return `\r\n$2\r\nPX\r\n$${this.ttl.length}\r\n${this.ttl}\r\n`;
  }
}

/** Stores the concatenation of `pieces` at `key` with a TTL of `ttlMs`, in one command. */
export async function setBytes(redis: Redis, key: string, pieces: readonly Buffer[], ttlMs: number): Promise<void> {
  await redis.sendCommand(new SetBytes(key, pieces, String(ttlMs)));
}
