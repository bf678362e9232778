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
 * to begin and marks the job running in one script; and the end (result,
 * record, input dropped, announcement) is one script.
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
 * A worker's start, in one step: the record and the cancel mark are read;
 * with a start time (ARGV[1], '' for none) a record that has neither ended
 * nor expired is marked running and published, as records.ts's `started`
 * would make it: status, started_at and attempts + 1 changed in place, every
 * other byte as the record was written (so its fields keep their order);
 * with ARGV[3] = '1' the input's meta hash is read too (its first image is
 * read beside the script, by a plain GET: through Lua, a megabyte is copied
 * twice more).
 * The three fields come before any field a client chose (records.ts's
 * newRecord), and a quote inside a JSON string is always escaped, so the
 * first match of each is the field itself; a record of another shape is left
 * alone (marked = 0), and the worker marks it with markRunning instead.
 *
 * KEYS: record, cancel mark, input hash.
 * ARGV: started_at (ISO) or '', channel, '1' to read the input.
 * Returns: {record JSON or false, cancel 0/1, marked 0/1, input hash as a flat list}.
 */
const START = `
local raw = redis.call('GET', KEYS[1])
local cancel = redis.call('EXISTS', KEYS[2])
local marked = 0
if raw and ARGV[1] ~= '' then
  local status = cjson.decode(raw).status
  if status == 'queued' or status == 'running' then
    local running, a, b, c = raw
    running, a = string.gsub(running, '"status":"%a+"', '"status":"running"', 1)
    running, b = string.gsub(running, '"started_at":[^,}]*', function() return '"started_at":"' .. ARGV[1] .. '"' end, 1)
    running, c = string.gsub(running, '"attempts":(%d+)', function(n) return '"attempts":' .. (tonumber(n) + 1) end, 1)
    if a == 1 and b == 1 and c == 1 then
      raw = running
      redis.call('SET', KEYS[1], raw, 'KEEPTTL')
      redis.call('PUBLISH', ARGV[2], raw)
      marked = 1
    end
  end
end
local hash = {}
if ARGV[3] == '1' then hash = redis.call('HGETALL', KEYS[3]) end
return {raw, cancel, marked, hash}`;

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
  /** `record` is the job marked running (asked for with a start time); false: the worker marks it. */
  running: boolean;
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
    // An upload's images as the pieces they came in (core/image-pieces.ts): `data` would join them, a 1 MB copy per job.
    const writes: Promise<unknown>[] = images.map((image, i) => setBytes(this.redis, imageKey(record.id, i), image.pieces ?? [image.data], this.ttlMs));
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

  /**
   * The record, the cancel mark and (with `withInput`) the input, in one round
   * trip; with `startedAt`, the job is marked running in the same step (START).
   */
  async start(id: string, withInput: boolean, startedAt?: number): Promise<JobStart> {
    const keys = [recordKey(id), cancelKey(id), inputKey(id)];
    const at = startedAt === undefined ? '' : new Date(startedAt).toISOString();
    // Sent together, without waiting between them: one round trip.
    const [reply, first] = await Promise.all([
      this.redis.callBuffer('EVAL', START, keys.length, ...keys, at, EVENTS_CHANNEL, withInput ? '1' : '0') as Promise<[Buffer | null, number, number, Buffer[]]>,
      withInput ? this.redis.getBuffer(imageKey(id, 0)) : null,
    ]);
    const [recordRaw, cancel, marked, flat] = reply;
    const hash: Record<string, Buffer> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!.toString('utf8')] = flat[i + 1]!;
    return {
      record: recordRaw ? (JSON.parse(recordRaw.toString('utf8')) as JobRecord) : undefined,
      cancelRequested: cancel === 1,
      running: marked === 1,
      input: withInput && hash.meta ? await this.inputFrom(id, hash, first) : undefined,
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
