// A fault-injecting TCP proxy in front of PostgreSQL: cut every live connection and refuse (or black-hole) new
// ones for a while, hold traffic so queries are in flight, then restore. Tests open the app's pool through it.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export type CutMode = 'refuse' | 'blackhole';

export interface PgProxy {
  /** the proxy's port on 127.0.0.1 */
  port: number;
  /** `url` with its host and port replaced by the proxy's */
  urlThrough(url: string): string;
  /**
   * Destroys every live connection (both sides) and, until restore() or `forMs` elapsed, refuses new ones
   * (accepted, then reset at once) or black-holes them (accepted and never answered).
   */
  cut(options?: { mode?: CutMode; forMs?: number }): void;
  /** Accepts and forwards again; black-holed sockets from the cut are destroyed. */
  restore(): void;
  /** Stops forwarding in both directions (queries stay in flight) until cut() or release(). */
  hold(): void;
  release(): void;
  /** bytes clients sent while traffic was held (a query waiting in the proxy) */
  readonly heldBytes: number;
  /** connections with client bytes waiting in the proxy */
  readonly heldConnections: number;
  /** live forwarded connections */
  readonly connections: number;
  /** connections accepted while cut */
  readonly refused: number;
  readonly isCut: boolean;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  /** client → server bytes held back */
  pending: Buffer[];
  /** server → client bytes held back */
  answers: Buffer[];
}

/** Listens on 127.0.0.1:0 and forwards to `target` (default 127.0.0.1:5432). */
export async function startPgProxy(target: { host?: string; port?: number } = {}): Promise<PgProxy> {
  const host = target.host ?? '127.0.0.1';
  const port = target.port ?? 5432;
  const pairs = new Set<Pair>();
  const limbo = new Set<Socket>();
  let cut = false;
  let holding = false;
  let heldBytes = 0;
  let refused = 0;
  let timer: NodeJS.Timeout | null = null;
  let mode: CutMode = 'refuse';

  const drop = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.server.destroy();
  };

  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (cut) {
      refused++;
      if (mode === 'blackhole') {
        limbo.add(client);
        client.on('close', () => limbo.delete(client));
        // Read and discard: the startup packet is never answered.
        client.resume();
      } else {
        client.resetAndDestroy();
      }
      return;
    }
    client.pause();
    const upstream = tcpConnect({ host, port });
    const pair: Pair = { client, server: upstream, pending: [], answers: [] };
    pairs.add(pair);
    upstream.on('error', () => drop(pair));
    client.on('close', () => drop(pair));
    upstream.on('close', () => drop(pair));
    upstream.on('connect', () => client.resume());
    client.on('data', (chunk: Buffer) => {
      if (holding) {
        heldBytes += chunk.length;
        pair.pending.push(chunk);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // While held, the server's answers wait too: nothing reaches the client.
      if (holding) {
        pair.answers.push(chunk);
        return;
      }
      client.write(chunk);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const ownPort = typeof address === 'object' && address ? address.port : 0;

  const restore = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    cut = false;
    for (const s of limbo) s.destroy();
    limbo.clear();
  };
  const release = () => {
    holding = false;
    for (const pair of pairs) {
      for (const chunk of pair.answers) pair.client.write(chunk);
      for (const chunk of pair.pending) pair.server.write(chunk);
      pair.answers = [];
      pair.pending = [];
    }
  };

  return {
    port: ownPort,
    urlThrough(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(ownPort);
      return u.toString();
    },
    cut(options = {}) {
      mode = options.mode ?? 'refuse';
      cut = true;
      holding = false;
      for (const pair of [...pairs]) drop(pair);
      if (timer) clearTimeout(timer);
      timer = null;
      if (options.forMs !== undefined) {
        timer = setTimeout(restore, options.forMs);
        timer.unref();
      }
    },
    restore,
    hold() {
      holding = true;
      heldBytes = 0;
    },
    release,
    get heldBytes() {
      return heldBytes;
    },
    get heldConnections() {
      return [...pairs].filter((p) => p.pending.length > 0).length;
    },
    get connections() {
      return pairs.size;
    },
    get refused() {
      return refused;
    },
    get isCut() {
      return cut;
    },
    async close() {
      restore();
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
