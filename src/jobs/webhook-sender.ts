/**
 * Webhooks in embedded mode: each job that ends with a webhook_url is POSTed
 * from this process, retried on the same schedule as the Redis backend
 * (WEBHOOK_ATTEMPTS tries, WEBHOOK_RETRY_DELAY_MS doubling). Like the jobs
 * themselves, deliveries still waiting for a retry are lost when the server
 * stops.
 */
import { attemptWebhook, retryDelayMs, type WebhookConfig } from './webhook-delivery.js';
import { TERMINAL_STATUSES, type JobQueue, type JobRecord } from './types.js';

export type WebhookReport = (message: string, fields: Record<string, string | number>) => void;

export interface WebhookSender {
  /** Delivers the record of a job that has ended (once per call). */
  send(record: JobRecord): void;
  /** Drops the retries still waiting and lets the attempts in flight end. */
  close(): Promise<void>;
}

export function createWebhookSender(config: WebhookConfig, report: WebhookReport): WebhookSender {
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  function attempt(record: JobRecord, n: number): void {
    if (closed) return;
    const run = (async () => {
      const outcome = await attemptWebhook(record, config);
      if (outcome.delivered) return;
      if (outcome.final || n >= config.webhookAttempts) {
        report('webhook given up', { job: record.id, attempts: n, reason: outcome.reason });
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        attempt(record, n + 1);
      }, retryDelayMs(n, config.webhookRetryDelayMs));
      timers.add(timer);
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  return {
    send: (record) => attempt(record, 1),
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(inFlight);
    },
  };
}

/** The embedded queue with webhooks: each job submitted with a webhook_url is watched until it ends. */
export function withWebhooks(queue: JobQueue, sender: WebhookSender): JobQueue {
  function watch(id: string): void {
    let sent = false;
    const deliver = (record: JobRecord) => {
      if (sent || !TERMINAL_STATUSES.has(record.status)) return;
      sent = true;
      off();
      sender.send(record);
    };
    const off = queue.subscribe(id, deliver);
    // It may have ended before the subscription: look once.
    void queue.status(id).then((record) => record && deliver(record));
  }
  return {
    ...queue,
    async submit(request, place) {
      const record = await queue.submit(request, place);
      if (record.webhook_url) watch(record.id);
      return record;
    },
    async close() {
      await sender.close();
      await queue.close();
    },
  };
}
