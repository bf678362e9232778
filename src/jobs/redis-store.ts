/**
 * Where a Redis-backed job keeps its data: our own keys, each with the job's
 * TTL (never BullMQ's job data or return value, which outlive any TTL: see
 * docs/jobs-notes.md). The record is JSON; images are raw bytes, never base64'd.
 *
 *   frameforge:job:<id>                   the record (JSON)
 *   frameforge:job:<id>:input             hash: meta (JSON, keys sealed)
 *   frameforge:job:<id>:input:<i>         image i's bytes
 *   frameforge:job:<id>:result            hash: meta (JSON)
 *   frameforge:job:<id>:result:<field>    data, compare; var<n>, cmp<n> for variation n >= 2
 *   frameforge:job:<id>:cancel            set when a cancel was asked for
 *   frameforge:job-events                 channel: every record change
 *   frameforge:job-cancels                channel: ids to abort wherever they run
 *
 * Each image is a string of its own, written by one `SET … PX` (its TTL set in
 * the same step), not a field of a hash inside MULTI: ioredis copies a
 * pipeline's commands into one more buffer, and for a 1 MB image that copy and
 * its garbage were a large part of a job's cost (issue 12's overhead target).
 * Jobs written by an earlier version kept images as hash fields (img<i>,
 * data, compare, var<n>, cmp<n>); they are still read.
 *
 * Round trips are what a job's latency is made of, so each step of a job is
 * one: submit writes everything in one pipeline; a worker reads what it needs
 * to begin in one; and the end (result, record, input dropped, announcement)
 * is one script.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ProviderKeys } from '../providers/registry.js';
import { openKeys, sealKeys } from './key-box.js';
import { setBytes } from './redis-bytes.js';
import type { JobInput, JobRecord, JobResult } from './types.js';

export const PREFIX = 'frameforge';
export const EVENTS_CHANNEL = `${PREFIX}:job-events`;
export const CANCEL_CHANNEL = `${PREFIX}:job-cancels`;

const recordKey = (id: string) => `${PREFIX}:job:${id}`;
const inputKey = (id: string) => `${PREFIX}:job:${id}:input`;
const imageKey = (id: string, i: number) => `${PREFIX}:job:${id}:input:${i}`;
const resultKey = (id: string) => `${PREFIX}:job:${id}:result`;
const cancelKey = (id: string) => `${PREFIX}:job:${id}:cancel`;

/**
 * A job's end, in one step: the input goes; then, unless the stored record has
 * already ended (or expired), the record is set with a fresh TTL, the result's
 * bytes (written beforehand under this run's own names) are renamed into place
 * with the same TTL, and the record is published. A job run twice (its worker
 * was thought dead but was only slow) thus ends once, with one run's result:
 * the loser's bytes are deleted, never mixed into the winner's.
 *
 * KEYS: record, result (meta hash), input hash, then ARGV[4] input images, then
 *       ARGV[5] pairs of (this run's result key, final result key).
 * ARGV: record JSON, TTL ms, result meta JSON ('' without a result), #images, #pairs, channel.
 */
const FINISH_ONCE = `
local ttl = ARGV[2]
local first = 4 + tonumber(ARGV[4])
local pairs = tonumber(ARGV[5])
-- Every byte of the result must be there before anything is written: a script is not rolled back.
for i = 0, pairs - 1 do
  if redis.call('EXISTS', KEYS[first + 2 * i]) == 0 then return -1 end
end
local input = {KEYS[3]}
for i = 4, first - 1 do input[#input + 1] = KEYS[i] end
redis.call('DEL', unpack(input))
local current = redis.call('GET', KEYS[1])
local status = current and cjson.decode(current).status
if not current or status == 'succeeded' or status == 'failed' or status == 'cancelled' then
  for i = 0, pairs - 1 do redis.call('DEL', KEYS[first + 2 * i]) end
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
if ARGV[3] ~= '' then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'meta', ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ttl)
  for i = 0, pairs - 1 do
    redis.call('RENAME', KEYS[first + 2 * i], KEYS[first + 2 * i + 1])
    redis.call('PEXPIRE', KEYS[first + 2 * i + 1], ttl)
  end
end
redis.call('PUBLISH', ARGV[6], ARGV[1])
return 1`;

/**
 * A job's input without its bytes: every JobInput field but `images` (names
 * here, bytes in their own keys) and `keys` (sealed). Spread from the input rather
 * than listed field by field, so a field added to JobInput is carried without
 * anyone remembering this file (a listed copy once dropped `label`).
 */
type InputMeta = Omit<JobInput, 'images' | 'keys'> & {
  names: string[];
  /** Sealed with JOB_KEY_SECRET (key-box.ts); never plain. */
  keys?: string;
};

type ResultMeta = Omit<JobResult, 'data' | 'compare' | 'variations' | 'variationCompares'> & { count?: number };

/** What a worker reads before it runs a job. */
export interface JobStart {
  record: JobRecord | undefined;
  /** A cancel was asked for before this worker listened for one. */
  cancelRequested: boolean;
  /** Undefined when not asked for, or gone (expired). */
  input: JobInput | undefined;
}

export class RedisJobStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
    private readonly keySecret: string | undefined,
  ) {}

  /**
   * Writes the input and then the record, all with the TTL, without waiting
   * between commands (one connection keeps their order): each image by one SET,
   * the record and the input's meta in one transaction.
   */
  create(record: JobRecord, input: JobInput): Promise<unknown> {
    const { images, keys, ...rest } = input;
    const hasKeys = Boolean(keys && (keys.google || keys.fal));
    const meta: InputMeta = {
      ...rest,
      names: images.map((image) => image.name),
      ...(hasKeys ? { keys: sealKeys(keys as ProviderKeys, this.keySecret!, record.id) } : {}),
    };
    const ttl = String(this.ttlMs);
    const writes: Promise<unknown>[] = images.map((image, i) => setBytes(this.redis, imageKey(record.id, i), [image.data], this.ttlMs));
    writes.push(
      this.redis
        .multi()
        .hset(inputKey(record.id), 'meta', JSON.stringify(meta))
        .pexpire(inputKey(record.id), ttl)
        .set(recordKey(record.id), JSON.stringify(record), 'PX', ttl)
        .exec(),
    );
    return Promise.all(writes);
  }

  async record(id: string): Promise<JobRecord | undefined> {
    const raw = await this.redis.get(recordKey(id));
    return raw ? (JSON.parse(raw) as JobRecord) : undefined;
  }

  /** The record, the cancel mark and (with `withInput`) the input, in one round trip. */
  async start(id: string, withInput: boolean): Promise<JobStart> {
    const reads = this.redis.pipeline().get(recordKey(id)).exists(cancelKey(id));
    if (withInput) reads.hgetallBuffer(inputKey(id)).getBuffer(imageKey(id, 0));
    const replies = await reads.exec();
    const [recordRaw, cancel, hash, first] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [string | null, number, Record<string, Buffer> | undefined, Buffer | null | undefined];
    return {
      record: recordRaw ? (JSON.parse(recordRaw) as JobRecord) : undefined,
      cancelRequested: cancel === 1,
      input: withInput && hash ? await this.inputFrom(id, hash, first ?? null) : undefined,
    };
  }

  async input(id: string): Promise<JobInput | undefined> {
    const [hash, first] = await Promise.all([this.redis.hgetallBuffer(inputKey(id)), this.redis.getBuffer(imageKey(id, 0))]);
    return this.inputFrom(id, hash, first);
  }

  async cancelRequested(id: string): Promise<boolean> {
    return (await this.redis.exists(cancelKey(id))) === 1;
  }

  private async inputFrom(id: string, hash: Record<string, Buffer>, first: Buffer | null): Promise<JobInput | undefined> {
    const metaRaw = hash.meta;
    if (!metaRaw) return undefined;
    const { names, keys, ...rest } = JSON.parse(metaRaw.toString('utf8')) as InputMeta;
    // References (images after the first) are rare: read with a second round trip.
    const more = names.length > 1 ? await this.redis.mgetBuffer(...names.slice(1).map((_, i) => imageKey(id, i + 1))) : [];
    const bytes = [first, ...more];
    return {
      ...rest,
      images: names.map((name, i) => ({ name, data: bytes[i] ?? hash[`img${i}`] ?? Buffer.alloc(0) })),
      ...(keys ? { keys: openKeys(keys, this.keySecret, id) } : {}),
    };
  }

  /** Marks the job running (its TTL kept) and announces it, in one round trip. */
  async markRunning(record: JobRecord): Promise<void> {
    const json = JSON.stringify(record);
    const replies = await this.redis.pipeline().set(recordKey(record.id), json, 'KEEPTTL').publish(EVENTS_CHANNEL, json).exec();
    for (const [error] of replies ?? []) if (error) throw error;
  }

  /**
   * Ends the job unless its record has already ended (see FINISH_ONCE): drops
   * its input, stores `result`, writes and publishes the final record. One
   * round trip; `inputImages` (how many images the input had) saves reading
   * that first. True when this call ended the job.
   */
  async finish(record: JobRecord, result?: JobResult, inputImages?: number): Promise<boolean> {
    const { id } = record;
    const images = inputImages ?? (await this.inputImageCount(id));
    const ttl = String(this.ttlMs);
    const pairs: [string, string][] = [];
    let meta = '';
    // Sent without waiting: the script below runs after them on the same connection.
    const writes: Promise<unknown>[] = [];
    if (result) {
      // This run's own names: only the run that ends the job renames its bytes into place.
      const run = `${resultKey(id)}:run-${randomBytes(8).toString('hex')}`;
      const blobs = resultBlobs(result);
      for (const [field, pieces] of blobs) {
        pairs.push([`${run}:${field}`, `${resultKey(id)}:${field}`]);
        writes.push(setBytes(this.redis, `${run}:${field}`, pieces, this.ttlMs));
      }
      // Every field but the bytes, read by name: a rest spread would read `data` too, and make it.
      const fields = Object.keys(result).filter((field) => !BYTES_FIELDS.has(field)) as (keyof JobResult)[];
      const resultMeta = {
        ...Object.fromEntries(fields.map((field) => [field, result[field]])),
        ...(result.variations ? { count: result.variations.length } : {}),
      } as ResultMeta;
      meta = JSON.stringify(resultMeta);
    }
    const keys = [recordKey(id), resultKey(id), inputKey(id), ...Array.from({ length: images }, (_, i) => imageKey(id, i)), ...pairs.flat()];
    const finished = this.redis.eval(FINISH_ONCE, keys.length, ...keys, JSON.stringify(record), ttl, meta, String(images), String(pairs.length), EVENTS_CHANNEL);
    const [written] = await Promise.all([finished, ...writes]);
    if (written === -1) throw new Error(`The result of job ${id} was not stored in Redis.`);
    return written === 1;
  }

  private async inputImageCount(id: string): Promise<number> {
    const raw = await this.redis.hget(inputKey(id), 'meta');
    return raw ? (JSON.parse(raw) as InputMeta).names.length : 0;
  }

  async result(id: string): Promise<JobResult | undefined> {
    const replies = await this.redis
      .pipeline()
      .hmgetBuffer(resultKey(id), 'meta', 'data', 'compare')
      .getBuffer(`${resultKey(id)}:data`)
      .getBuffer(`${resultKey(id)}:compare`)
      .exec();
    const [[metaRaw, oldData, oldCompare], newData, newCompare] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [(Buffer | null)[], Buffer | null, Buffer | null];
    const data = newData ?? oldData;
    const compare = newCompare ?? oldCompare;
    if (!metaRaw || !data) return undefined;
    const { count, ...meta } = JSON.parse(metaRaw.toString('utf8')) as ResultMeta;
    const result = { ...meta, data, ...(compare ? { compare } : {}) };
    if (!count) return result;
    const rest = Array.from({ length: count - 1 }, (_, i) => i + 2);
    const [variations, compares] = await Promise.all([
      this.blobs(id, rest.map((n) => `var${n}`)),
      compare ? this.blobs(id, rest.map((n) => `cmp${n}`)) : Promise.resolve([]),
    ]);
    if (variations.some((v) => !v)) return undefined;
    return {
      ...result,
      variations: [data, ...(variations as Buffer[])],
      ...(compare && compares.every(Boolean) ? { variationCompares: [compare, ...(compares as Buffer[])] } : {}),
    };
  }

  /** Result fields by name: their own keys, or (written by an earlier version) fields of the result hash. */
  private async blobs(id: string, fields: string[]): Promise<(Buffer | null)[]> {
    if (fields.length === 0) return [];
    const [own, old] = await Promise.all([
      this.redis.mgetBuffer(...fields.map((field) => `${resultKey(id)}:${field}`)),
      this.redis.hmgetBuffer(resultKey(id), ...fields),
    ]);
    return own.map((bytes, i) => bytes ?? old[i] ?? null);
  }

  async requestCancel(id: string): Promise<void> {
    await this.redis.set(cancelKey(id), '1', 'PX', this.ttlMs);
    await this.redis.publish(CANCEL_CHANNEL, id);
  }
}

/** JobResult's fields that hold bytes: stored as keys of their own, never in the meta. */
const BYTES_FIELDS: ReadonlySet<string> = new Set(['data', 'chunks', 'compare', 'variations', 'variationCompares'] satisfies (keyof JobResult)[]);

/** The result's images by field name, each in pieces; variation 1 is `data` (and `compare`), stored once. */
function resultBlobs(result: JobResult): [string, readonly Buffer[]][] {
  const blobs: [string, readonly Buffer[]][] = [['data', result.chunks ?? [result.data]]];
  if (result.compare) blobs.push(['compare', [result.compare]]);
  result.variations?.slice(1).forEach((bytes, i) => blobs.push([`var${i + 2}`, [bytes]]));
  result.variationCompares?.slice(1).forEach((bytes, i) => blobs.push([`cmp${i + 2}`, [bytes]]));
  return blobs;
}
