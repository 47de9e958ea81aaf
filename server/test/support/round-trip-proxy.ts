// A TCP proxy in front of PostgreSQL that counts round trips (a client's send after an answer), optionally delaying
// every chunk to look like a database further away; it can cut every live connection, as a network failure would.
import { createServer, type Socket, connect as tcpConnect } from 'node:net';

export interface RoundTripProxy {
  /** `url` with its host and port replaced by the proxy's */
  urlThrough(url: string): string;
  /**
   * Client sends that followed an answer from the server (or were the first since reset), over all connections:
   * what a client waited for before sending again. Messages written without waiting count once.
   */
  readonly roundTrips: number;
  /** every round trip from now on counts */
  reset(): void;
  /** Destroys every live connection (both sides); new ones are accepted as before. */
  cut(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  /** the server answered since the client last sent */
  answered: boolean;
}

/** Listens on 127.0.0.1:0 and forwards to `target`; `delayMs` holds every chunk, both ways, that long. */
export async function startRoundTripProxy(
  target: { host: string; port: number },
  options: { delayMs?: number } = {},
): Promise<RoundTripProxy> {
  const delay = options.delayMs ?? 0;
  const pairs = new Set<Pair>();
  let roundTrips = 0;
  const forward = (to: Socket, chunk: Buffer) => {
    if (delay === 0) to.write(chunk);
    else setTimeout(() => to.write(chunk), delay);
  };
  const drop = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.server.destroy();
  };

  const server = createServer((client) => {
    client.pause();
    const upstream = tcpConnect(target);
    const pair: Pair = { client, server: upstream, answered: true };
    pairs.add(pair);
    for (const socket of [client, upstream]) {
      socket.on('error', () => drop(pair));
      socket.on('close', () => drop(pair));
    }
    upstream.on('connect', () => client.resume());
    client.on('data', (chunk: Buffer) => {
      if (pair.answered) roundTrips++;
      pair.answered = false;
      forward(upstream, chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      pair.answered = true;
      forward(client, chunk);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    urlThrough(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    get roundTrips() {
      return roundTrips;
    },
    reset() {
      roundTrips = 0;
      for (const pair of pairs) pair.answered = true;
    },
    cut() {
      for (const pair of [...pairs]) drop(pair);
    },
    async close() {
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
