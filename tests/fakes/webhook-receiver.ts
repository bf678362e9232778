/**
 * A webhook receiver for tests: POST /hook answers 204 unless scripted
 * (`script('hook', {status: 500})`); every request is recorded with its
 * headers and raw body, so a test can verify the signature independently.
 */
import { startFakeServer, type FakeServer } from './fake-http.js';

export interface WebhookReceiver extends FakeServer {
  /** http://127.0.0.1:<port>/hook */
  readonly hookUrl: string;
  /** `127.0.0.1:<port>`, as WEBHOOK_ALLOWED_HOSTS takes it. */
  readonly hostEntry: string;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const fake = await startFakeServer((call) =>
    call.method === 'POST' && call.path === '/hook'
      ? { route: 'hook', reply: () => ({ status: 204 }) }
      : { route: 'other', reply: () => ({ status: 404 }) },
  );
  return Object.assign(fake, { hookUrl: `${fake.url}/hook`, hostEntry: new URL(fake.url).host });
}
