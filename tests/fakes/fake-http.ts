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
        };
        const { route, reply } = router(call, base);
        call.route = route;
        calls.push(call);
        const scripted = scripts.get(route)?.shift();
        if (scripted?.delayMs) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, scripted.delayMs);
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
    callsTo(route) {
      return calls.filter((c) => c.route === route);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
