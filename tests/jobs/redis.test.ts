/** The same jobs API tests with BullMQ on a real Redis, the worker running inside the server. */
import { afterAll, beforeAll } from 'vitest';
import { startServer } from '../server/helpers.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { jobsApiContract } from './api-contract.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

jobsApiContract('BullMQ on Redis', (settings = {}, options = {}) => startServer({ logLevel: 'warn', redisUrl: redis.url, ...settings }, options));
