/**
 * The part every fake provider server shares: listen on 127.0.0.1 port 0,
 * record each request (method, path, headers, body, parsed JSON, arrival
 * time), and answer from a per-route script before falling back to the
 * fake's normal behaviour. Other test files reuse the fakes, so this API is
 * kept small and stable.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path with the query string. */
  url: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
  /** Which route of the fake handled it (`generate`, `submit`, `status` ...). */
  route: string;
  /** performance.now() when the request arrived. */
  at: number;
  /** Settles when the client dropped the connection before the answer was sent (an aborted call). */
  readonly abandoned: Promise<void>;
}

/** A scripted answer. `json` wins over `body`; `delayMs` waits before answering (aborts end it early). */
export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string | Buffer;
  delayMs?: number;
  /** Destroy the socket instead of answering (a network error for the client). */
  drop?: boolean;
  /** Hold the answer until this settles (or the client goes): "in flight" for as long as a test wants. */
  until?: Promise<unknown>;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string | Buffer;
}

export type Router = (call: RecordedCall, base: string) => { route: string; reply: () => Reply | Promise<Reply> };

export interface FakeServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly calls: RecordedCall[];
  /** Answers the next requests to `route` with these, in order, then behaves normally again. */
  script(route: string, ...responses: ScriptedResponse[]): void;
  /** Calls that went to one route. */
  callsTo(route: string): RecordedCall[];
  /** Resolves with the `count`-th call to `route` as soon as it has arrived (at once if it already has). */
  waitForCall(route: string, count?: number): Promise<RecordedCall>;
  close(): Promise<void>;
}

function send(res: ServerResponse, reply: Reply | ScriptedResponse): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let body: string | Buffer = '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] ??= 'application/json; charset=UTF-8';
  } else if (reply.body !== undefined) {
    body = reply.body;
  }
  res.writeHead(reply.status ?? 200, headers);
  res.end(body);
}

export async function startFakeServer(router: Router): Promise<FakeServer> {
  const calls: RecordedCall[] = [];
  const scripts = new Map<string, ScriptedResponse[]>();
  const waiters: { route: string; count: number; resolve: (call: RecordedCall) => void }[] = [];
  const callsTo = (route: string) => calls.filter((c) => c.route === route);
  const wake = () => {
    for (const waiter of [...waiters]) {
      const call = callsTo(waiter.route)[waiter.count - 1];
      if (!call) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(call);
    }
  };
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const parsed = new URL(req.url ?? '/', base);
        let json: unknown;
        if (body.length > 0 && /json/.test(String(req.headers['content-type'] ?? ''))) {
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            json = undefined;
          }
        }
        const call: RecordedCall = {
          method: req.method ?? 'GET',
          path: parsed.pathname,
          url: `${parsed.pathname}${parsed.search}`,
          query: parsed.searchParams,
          headers: req.headers,
          body,
          json,
          route: 'unknown',
          at: performance.now(),
          abandoned: new Promise<void>((resolve) => res.on('close', () => (res.writableEnded ? undefined : resolve()))),
        };
        const { route, reply } = router(call, base);
        call.route = route;
        calls.push(call);
        const scripted = scripts.get(route)?.shift();
        wake();
        if (scripted?.delayMs || scripted?.until) {
          await new Promise<void>((resolve) => {
            const timer = scripted.delayMs ? setTimeout(resolve, scripted.delayMs) : undefined;
            void scripted.until?.finally(resolve);
            res.on('close', () => {
              clearTimeout(timer);
              resolve();
            });
          });
          if (res.destroyed || res.writableEnded) return;
        }
        if (scripted?.drop) {
          req.socket.destroy();
          return;
        }
        if (scripted && (scripted.status !== undefined || scripted.json !== undefined || scripted.body !== undefined)) {
          send(res, scripted);
          return;
        }
        send(res, await reply());
      })().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    calls,
    script(route, ...responses) {
      scripts.set(route, [...(scripts.get(route) ?? []), ...responses]);
    },
    callsTo,
    waitForCall(route, count = 1) {
      return new Promise((resolve) => {
        waiters.push({ route, count, resolve });
        wake();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
