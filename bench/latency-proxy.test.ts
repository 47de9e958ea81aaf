// The delaying proxy of bench:rtt keeps the byte stream whole and in order (PostgreSQL's protocol breaks otherwise),
// delays each direction by half the round trip, and passes a close on after the data before it.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LatencyProxy, startLatencyProxy } from './latency-proxy.js';

describe('latency proxy', () => {
  let echo: Server;
  let proxy: LatencyProxy;
  beforeAll(async () => {
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const address = echo.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    proxy = await startLatencyProxy({ host: '127.0.0.1', port: address.port }, 10);
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect(proxy.port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    });

  it('echoes thousands of writes of every size back whole and in order, one round trip later', async () => {
    const socket = await open();
    const sent: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      // Sizes from 1 byte to ~70 KB, each filled with its own counter so a swap shows.
      const size = 1 + ((i * 7919) % 70_000);
      sent.push(Buffer.alloc(size, i % 251));
    }
    const expected = Buffer.concat(sent);
    const received: Buffer[] = [];
    let length = 0;
    const started = performance.now();
    let firstAt = 0;
    const done = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        if (length === 0) firstAt = performance.now() - started;
        received.push(chunk);
        length += chunk.length;
        if (length >= expected.length) resolve();
      });
    });
    for (const b of sent) socket.write(b);
    await done;
    socket.destroy();
    expect(Buffer.concat(received).equals(expected)).toBe(true);
    expect(firstAt).toBeGreaterThanOrEqual(9);
  });

  it('counts a burst after an answer as one flight, and passes a close on', async () => {
    const socket = await open();
    const before = proxy.flights();
    for (const text of ['a', 'b', 'c']) socket.write(text);
    await new Promise((resolve) => socket.once('data', resolve));
    await new Promise((r) => setTimeout(r, 30));
    socket.write('d');
    await new Promise((resolve) => socket.once('data', resolve));
    expect(proxy.flights() - before).toBe(2);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.end();
    await closed;
  });
});
