// A lean HTTP/1.1 client for the webhook load: kept-alive sockets, each request written as one prebuilt buffer,
// the answer read as bytes (status line, Content-Length or chunked body). It runs on the same two cores as the
// server it measures, and node:http spent about half a millisecond of CPU per event here, more than the server's
// whole acknowledgement: every microsecond the instrument saves goes to the server, as with a real sender that
// runs elsewhere. Requests queue in arrival order for the first free socket, like http.Agent with maxSockets.
import net from 'node:net';

export interface RawAnswer {
  status: number | null;
  /** from the request being queued to the last byte of its answer */
  ms: number;
  /**
   * from the request being written on its connection to the last byte of its answer, as autocannon and wrk time
   * a request; null when it never got a connection
   */
  wireMs: number | null;
  /** the first request on a new connection: its time includes the server accepting the connection */
  fresh: boolean;
  body: string;
  error?: 'timeout' | 'network';
}

interface Pending {
  bytes: Buffer;
  queuedAt: number;
  /** when a connection wrote it */
  writtenAt: number | null;
  /** written as the first request of a new connection */
  fresh: boolean;
  timeoutMs: number;
  resolve(answer: RawAnswer): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

class Connection {
  private readonly socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private current: Pending | null = null;
  private timer: NodeJS.Timeout | null = null;
  private requests = 0;
  alive = true;

  constructor(
    host: string,
    port: number,
    private readonly pool: RawHttpPool,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.fail('network'));
    this.socket.on('close', () => this.fail('network'));
  }

  get busy(): boolean {
    return this.current !== null;
  }

  send(p: Pending): void {
    this.current = p;
    p.writtenAt = performance.now();
    p.fresh = this.requests++ === 0;
    this.timer = setTimeout(() => this.fail('timeout'), p.timeoutMs);
    this.socket.write(p.bytes);
  }

  close(): void {
    this.alive = false;
    this.socket.destroy();
  }

  private fail(error: 'timeout' | 'network'): void {
    const p = this.current;
    this.current = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.alive) {
      this.alive = false;
      this.socket.destroy();
      this.pool.dropped(this);
    }
    if (p) {
      const now = performance.now();
      p.resolve({ status: null, ms: now - p.queuedAt, wireMs: wireTime(p, now), fresh: p.fresh, body: '', error });
    }
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const parsed = parseResponse(this.buffer);
    if (!parsed) return;
    const p = this.current;
    this.current = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffer = this.buffer.subarray(parsed.length);
    if (p) {
      const now = performance.now();
      p.resolve({
        status: parsed.status,
        ms: now - p.queuedAt,
        wireMs: wireTime(p, now),
        fresh: p.fresh,
        body: parsed.body,
      });
    }
    this.pool.idle(this);
  }
}

const wireTime = (p: Pending, now: number) => (p.writtenAt === null ? null : now - p.writtenAt);

/** One complete response at the start of `buf`, or null while bytes are missing. */
export function parseResponse(buf: Buffer): { status: number; body: string; length: number } | null {
  const end = buf.indexOf(HEADER_END);
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const status = Number(head.slice(9, 12));
  const start = end + HEADER_END.length;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const total = start + Number(length[1]);
    if (buf.length < total) return null;
    return { status, body: buf.subarray(start, total).toString('utf8'), length: total };
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = Number.parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
      const dataStart = lineEnd + 2;
      if (buf.length < dataStart + size + 2) return null;
      if (size === 0) return { status, body: Buffer.concat(parts).toString('utf8'), length: dataStart + 2 };
      parts.push(buf.subarray(dataStart, dataStart + size));
      at = dataStart + size + 2;
    }
  }
  // No body framing (a 204 or 304): the head is the whole answer.
  return { status, body: '', length: start };
}

export class RawHttpPool {
  private readonly connections = new Set<Connection>();
  private readonly free: Connection[] = [];
  private readonly queue: Pending[] = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxConnections: number,
  ) {}

  post(path: string, body: string, timeoutMs: number): Promise<RawAnswer> {
    const payload = Buffer.from(body, 'utf8');
    const head = Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`,
      'latin1',
    );
    return this.send(Buffer.concat([head, payload]), timeoutMs);
  }

  /** A GET with extra header lines (a cookie, say); the answer's body as text. */
  get(path: string, headers: Record<string, string>, timeoutMs: number): Promise<RawAnswer> {
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    const head = `GET ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n${lines.join('')}\r\n`;
    return this.send(Buffer.from(head, 'latin1'), timeoutMs);
  }

  private send(bytes: Buffer, timeoutMs: number): Promise<RawAnswer> {
    return new Promise<RawAnswer>((resolve) => {
      this.queue.push({
        bytes,
        queuedAt: performance.now(),
        writtenAt: null,
        fresh: false,
        timeoutMs,
        resolve,
      });
      this.pump();
    });
  }

  /** A connection finished its answer and may take the next request. */
  idle(connection: Connection): void {
    if (!connection.alive) return;
    this.free.push(connection);
    this.pump();
  }

  /** A connection failed (timeout, reset): it is replaced when a request needs one. */
  dropped(connection: Connection): void {
    this.connections.delete(connection);
    const i = this.free.indexOf(connection);
    if (i >= 0) this.free.splice(i, 1);
    this.pump();
  }

  close(): void {
    for (const c of this.connections) c.close();
    this.connections.clear();
    this.free.length = 0;
  }

  private pump(): void {
    for (let next = this.queue[0]; next; next = this.queue[0]) {
      let connection = this.free.pop();
      if (!connection) {
        if (this.connections.size >= this.maxConnections) return;
        connection = new Connection(this.host, this.port, this);
        this.connections.add(connection);
      }
      if (!connection.alive || connection.busy) continue;
      this.queue.shift();
      connection.send(next);
    }
  }
}
