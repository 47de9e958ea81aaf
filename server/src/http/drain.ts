// Closing a server's connections without cutting a request: on shutdown the listener closes, every answer from
// then on says `Connection: close`, and only connections with nothing in flight are closed here. Node's own
// closeIdleConnections() would also close a connection just accepted whose request is still in the socket
// buffer (a proxy that sent it sees a reset, and does not resend a POST).
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Tracked {
  /** when the connection opened, or its last answer ended */
  since: number;
  /** it has had a request (so it is between kept-alive requests when none is active) */
  served: boolean;
  active: number;
}

export class ConnectionDrain {
  private readonly sockets = new Map<Socket, Tracked>();
  /** answers in progress, to be marked `Connection: close` when draining begins before their headers go */
  private readonly answering = new Set<ServerResponse>();
  private draining = false;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.set(socket, { since: performance.now(), served: false, active: 0 });
      socket.once('close', () => this.sockets.delete(socket));
    });
    // First listener, so it runs before the app writes the answer's headers.
    server.prependListener('request', (req, res) => {
      const tracked = this.sockets.get(req.socket);
      this.answering.add(res);
      if (tracked) {
        tracked.served = true;
        tracked.active++;
      }
      res.once('close', () => {
        this.answering.delete(res);
        if (tracked) {
          tracked.active--;
          tracked.since = performance.now();
        }
      });
      if (this.draining && !res.headersSent) res.setHeader('connection', 'close');
    });
  }

  /** From now on answers close their connections. */
  start(): void {
    this.draining = true;
    for (const res of this.answering) if (!res.headersSent) res.setHeader('connection', 'close');
  }

  /**
   * Closes connections with nothing in flight: kept-alive ones between requests, and ones that have sent no
   * request for `graceMs` since they opened (a proxy's request arrives within milliseconds of its connection).
   */
  sweep(graceMs: number): void {
    const now = performance.now();
    for (const [socket, tracked] of this.sockets) {
      if (tracked.active === 0 && (tracked.served || now - tracked.since > graceMs)) socket.destroy();
    }
  }
}
