// ConnectionDrain: once draining, answers close their connections, and a sweep closes only connections with
// nothing in flight: kept-alive ones between requests, and ones that sent nothing within the grace period.
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionDrain } from './drain.js';

let server: http.Server;
let release: () => void = () => {};

async function start(): Promise<{ port: number; drain: ConnectionDrain }> {
  server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      release = () => res.end('slow done');
      return;
    }
    res.end('ok');
  });
  const drain = new ConnectionDrain(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, drain };
}

/** A raw socket, so the test sees exactly what the server does with the connection. */
function open(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    let data = '';
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, received: () => data, closed }));
    socket.on('data', (d) => {
      data += d.toString();
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
  });
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(what()).toBe(true);
};

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('ConnectionDrain', () => {
  it('closes kept-alive connections between requests, keeps one whose request is in flight until answered', async () => {
    const { port, drain } = await start();
    const idle = await open(port);
    idle.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => idle.received().includes('ok'));
    expect(idle.received()).toMatch(/connection: keep-alive/i);
    const busy = await open(port);
    busy.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));

    drain.start();
    drain.sweep(60_000);
    await idle.closed;
    expect(busy.socket.destroyed).toBe(false);
    release();
    await until(() => busy.received().includes('slow done'));
    // Answered while draining: the answer says so and the connection ends with it.
    expect(busy.received()).toMatch(/connection: close/i);
    await busy.closed;
  });

  it('keeps a connection that has not sent its request yet for the grace period, then closes it', async () => {
    const { port, drain } = await start();
    const fresh = await open(port);
    await new Promise((r) => setTimeout(r, 50));
    drain.start();
    drain.sweep(5_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(fresh.socket.destroyed).toBe(false);
    // Its request arrives after all: answered, then closed.
    fresh.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => fresh.received().includes('ok'));
    expect(fresh.received()).toMatch(/connection: close/i);
    await fresh.closed;

    const silent = await open(port);
    await new Promise((r) => setTimeout(r, 60));
    drain.sweep(50);
    await silent.closed;
  });
});
