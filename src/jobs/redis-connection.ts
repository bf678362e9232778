/**
 * Redis connections for BullMQ and our own keys. BullMQ needs
 * `maxRetriesPerRequest: null` on every connection so commands wait through a
 * Redis restart instead of failing, and every client needs an 'error'
 * listener: an 'error' event with none ends the process (docs/jobs-notes.md;
 * https://docs.bullmq.io/guide/going-to-production).
 */
import { Redis } from 'ioredis';

export type ErrorSink = (message: string, error: Error) => void;

export function connectRedis(url: string, onError: ErrorSink, role: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
  client.on('error', (error: Error) => onError(`redis ${role} connection`, error));
  return client;
}
