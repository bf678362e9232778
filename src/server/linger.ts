/**
 * Answering before the request body has all arrived (413, 408, a bad form):
 * the answer says `Connection: close`, and the rest of the body is never
 * parsed or kept. But closing the socket outright while the client is still
 * sending makes the kernel reset the connection, and the client (a browser,
 * fetch) then reports "connection reset" instead of our 413 and its detail.
 * So, like nginx's lingering close, the server half-closes (FIN after the
 * answer), discards what still arrives for a short, bounded time, then closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const LINGER_MS = 2000;

export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse, lingerMs = LINGER_MS): void {
  res.setHeader('Connection', 'close');
  const socket = req.socket as IncomingMessage['socket'] & { destroySoon?: () => void };
  // Node's http server calls destroySoon() once a `Connection: close` answer is
  // written; by default that destroys the socket as soon as the FIN is out.
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    socket.end();
    req.unpipe();
    req.resume(); // flowing with no listener: the rest of the body is dropped, not buffered
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}
