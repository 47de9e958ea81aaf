// A TCP proxy that puts a database "far away": every chunk waits half the configured round trip in each direction,
// order kept. It counts flights: a burst from the client that follows an answer from the server (or opens the
// connection) is one round trip begun, however many statements the burst carries.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface LatencyProxy {
  port: number;
  /** client→server bursts so far, over every connection */
  flights(): number;
  close(): Promise<void>;
}

export async function startLatencyProxy(
  target: { host: string; port: number },
  roundTripMs: number,
): Promise<LatencyProxy> {
  const half = roundTripMs / 2;
  let flights = 0;
  const sockets = new Set<Socket>();
  /**
   * Forwards `from` to `to`, each chunk `half` ms after it arrived, in arrival order: one queue per direction and
   * one timer at its head (a timer per chunk can fire out of order, and a reordered chunk corrupts the protocol).
   */
  const delayed = (from: Socket, to: Socket, onChunk: () => void) => {
    // A null chunk is the other side's close, delayed like the data before it.
    const queue: Array<{ due: number; chunk: Buffer | null }> = [];
    let scheduled = false;
    const drain = () => {
      scheduled = false;
      const now = performance.now();
      while (queue.length > 0 && (queue[0]?.due ?? 0) <= now) {
        const next = queue.shift();
        if (next && !to.destroyed) {
          if (next.chunk) to.write(next.chunk);
          else to.destroy();
        }
      }
      const head = queue[0];
      if (head) {
        scheduled = true;
        setTimeout(drain, Math.max(0, head.due - now));
      }
    };
    const enqueue = (chunk: Buffer | null) => {
      queue.push({ due: performance.now() + half, chunk });
      if (!scheduled) {
        scheduled = true;
        setTimeout(drain, half);
      }
    };
    from.on('data', (chunk: Buffer) => {
      onChunk();
      enqueue(chunk);
    });
    from.on('close', () => enqueue(null));
    from.on('error', () => to.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    // As PostgreSQL and its drivers do: no Nagle delay on small writes (the delay here is ours alone).
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    // The server has answered since the client last spoke: the client's next burst is a new flight.
    let answered = true;
    delayed(client, upstream, () => {
      if (answered) flights++;
      answered = false;
    });
    delayed(upstream, client, () => {
      answered = true;
    });
    for (const s of [client, upstream]) s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('latency proxy: no port');
  return {
    port: address.port,
    flights: () => flights,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
