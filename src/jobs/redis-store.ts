/**
 * Where a Redis-backed job keeps its data: our own keys, each with the job's
 * TTL (never BullMQ's job data or return value, which outlive any TTL: see
 * docs/jobs-notes.md). The record is JSON; the input and the result are
 * hashes of raw bytes, so images are never base64'd.
 *
 *   frameforge:job:<id>          the record (JSON)
 *   frameforge:job:<id>:input    meta (JSON, keys sealed) + img0..imgN
 *   frameforge:job:<id>:result   meta (JSON) + data (+ compare; var1..varN, cmp1..cmpN with variations)
 *   frameforge:job:<id>:cancel   set when a cancel was asked for
 *   frameforge:job-events        channel: every record change
 *   frameforge:job-cancels       channel: ids to abort wherever they run
 */
import type { Redis } from 'ioredis';
import type { ProviderKeys } from '../providers/registry.js';
import { openKeys, sealKeys } from './key-box.js';
import type { JobInput, JobRecord, JobResult } from './types.js';

export const PREFIX = 'frameforge';
export const EVENTS_CHANNEL = `${PREFIX}:job-events`;
export const CANCEL_CHANNEL = `${PREFIX}:job-cancels`;

const recordKey = (id: string) => `${PREFIX}:job:${id}`;
const inputKey = (id: string) => `${PREFIX}:job:${id}:input`;
const resultKey = (id: string) => `${PREFIX}:job:${id}:result`;
const cancelKey = (id: string) => `${PREFIX}:job:${id}:cancel`;

/**
 * SET the record with a fresh TTL unless the stored one has already ended (or
 * expired), and restart the result's TTL with it, so the two expire together
 * (a result saved a moment before must not be gone while its record says succeeded).
 */
const FINISH_ONCE = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local status = cjson.decode(current).status
if status == 'succeeded' or status == 'failed' or status == 'cancelled' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`;

/**
 * A job's input without its bytes: every JobInput field but `images` (names
 * here, bytes in the hash) and `keys` (sealed). Spread from the input rather
 * than listed field by field, so a field added to JobInput is carried without
 * anyone remembering this file (a listed copy once dropped `label`).
 */
type InputMeta = Omit<JobInput, 'images' | 'keys'> & {
  names: string[];
  /** Sealed with JOB_KEY_SECRET (key-box.ts); never plain. */
  keys?: string;
};

export class RedisJobStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
    private readonly keySecret: string | undefined,
  ) {}

  /** Writes the record and the input in one transaction, both with the TTL. */
  async create(record: JobRecord, input: JobInput): Promise<void> {
    const { images, keys, ...rest } = input;
    const hasKeys = Boolean(keys && (keys.google || keys.fal));
    const meta: InputMeta = {
      ...rest,
      names: images.map((image) => image.name),
      ...(hasKeys ? { keys: sealKeys(keys as ProviderKeys, this.keySecret!, record.id) } : {}),
    };
    const fields: (string | Buffer)[] = ['meta', JSON.stringify(meta)];
    images.forEach((image, i) => fields.push(`img${i}`, image.data));
    await this.redis
      .multi()
      .set(recordKey(record.id), JSON.stringify(record), 'PX', this.ttlMs)
      .hset(inputKey(record.id), ...fields)
      .pexpire(inputKey(record.id), this.ttlMs)
      .exec();
  }

  async record(id: string): Promise<JobRecord | undefined> {
    const raw = await this.redis.get(recordKey(id));
    return raw ? (JSON.parse(raw) as JobRecord) : undefined;
  }

  /** Replaces the record; a job that ended gets a fresh TTL, one still going keeps its own. */
  async saveRecord(record: JobRecord, fresh: boolean): Promise<void> {
    if (fresh) await this.redis.set(recordKey(record.id), JSON.stringify(record), 'PX', this.ttlMs);
    else await this.redis.set(recordKey(record.id), JSON.stringify(record), 'KEEPTTL');
  }

  /**
   * Writes a job's final record unless it already has one, in one step: a job
   * run twice (its worker was thought dead but was only slow) ends once.
   */
  async finishRecord(record: JobRecord): Promise<boolean> {
    const written = await this.redis.eval(FINISH_ONCE, 2, recordKey(record.id), resultKey(record.id), JSON.stringify(record), String(this.ttlMs));
    return written === 1;
  }

  async input(id: string): Promise<JobInput | undefined> {
    const hash = await this.redis.hgetallBuffer(inputKey(id));
    const metaRaw = hash.meta;
    if (!metaRaw) return undefined;
    const { names, keys, ...rest } = JSON.parse(metaRaw.toString('utf8')) as InputMeta;
    return {
      ...rest,
      images: names.map((name, i) => ({ name, data: hash[`img${i}`] ?? Buffer.alloc(0) })),
      ...(keys ? { keys: openKeys(keys, this.keySecret, id) } : {}),
    };
  }

  async dropInput(id: string): Promise<void> {
    await this.redis.del(inputKey(id));
  }

  async saveResult(id: string, result: JobResult): Promise<void> {
    const { data, compare, variations, variationCompares, ...rest } = result;
    // Variations as raw fields var1..varN (var1 is data again); their count stays in meta.
    const meta = { ...rest, ...(variations ? { count: variations.length } : {}) };
    const fields: (string | Buffer)[] = ['meta', JSON.stringify(meta), 'data', data, ...(compare ? ['compare', compare] : [])];
    variations?.forEach((bytes, i) => fields.push(`var${i + 1}`, bytes));
    variationCompares?.forEach((bytes, i) => fields.push(`cmp${i + 1}`, bytes));
    await this.redis.multi().hset(resultKey(id), ...fields).pexpire(resultKey(id), this.ttlMs).exec();
  }

  async result(id: string): Promise<JobResult | undefined> {
    const [metaRaw, data, compare] = await this.redis.hmgetBuffer(resultKey(id), 'meta', 'data', 'compare');
    if (!metaRaw || !data) return undefined;
    const { count, ...meta } = JSON.parse(metaRaw.toString('utf8')) as Omit<JobResult, 'data' | 'compare' | 'variations'> & { count?: number };
    const result = { ...meta, data, ...(compare ? { compare } : {}) };
    if (!count) return result;
    const variations = await this.redis.hmgetBuffer(resultKey(id), ...Array.from({ length: count }, (_, i) => `var${i + 1}`));
    if (variations.some((v) => !v)) return undefined;
    const compares = compare ? await this.redis.hmgetBuffer(resultKey(id), ...Array.from({ length: count }, (_, i) => `cmp${i + 1}`)) : [];
    return { ...result, variations: variations as Buffer[], ...(compare && compares.every(Boolean) ? { variationCompares: compares as Buffer[] } : {}) };
  }

  async requestCancel(id: string): Promise<void> {
    await this.redis.set(cancelKey(id), '1', 'PX', this.ttlMs);
    await this.redis.publish(CANCEL_CHANNEL, id);
  }

  async cancelRequested(id: string): Promise<boolean> {
    return (await this.redis.exists(cancelKey(id))) === 1;
  }

  async publish(record: JobRecord): Promise<void> {
    await this.redis.publish(EVENTS_CHANNEL, JSON.stringify(record));
  }
}
