// SIGTERM's deadline: a request that never finishes (an upload that stalls) does not keep a stopping process
// alive past VICTORYSYNC_SHUTDOWN_TIMEOUT_SECONDS: its connection is cut and the process exits 1.
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSchema, freePort, login, type ServerProcess, startServer, waitHealthy } from '../faults/helpers.js';
import { DATABASE_URL, describeDeploy } from './cluster.js';

describeDeploy('a stopping process with a request that never ends', { nginx: false }, () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  let server: ServerProcess;
  beforeAll(async () => {
    schema = await createSchema(DATABASE_URL);
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill('SIGKILL');
    await schema.drop();
  });

  it('exits 1 once VICTORYSYNC_SHUTDOWN_TIMEOUT_SECONDS have passed; 0 when nothing is in flight', {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    const env = { VICTORYSYNC_SHUTDOWN_TIMEOUT_SECONDS: '2' };
    server = startServer({ port, databaseUrl: schema.url, env });
    await waitHealthy(server);
    const cookie = await login(server.base);
    // An import whose body stalls after its first kilobyte.
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const cut = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /api/admin/calls/import HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${server.base}\r\nCookie: ${cookie}\r\n` +
        'Content-Type: application/x-ndjson\r\nContent-Length: 10000000\r\n\r\n',
    );
    socket.write(`${'{"provider":"stall"}\n'.repeat(50)}`);
    await new Promise((r) => setTimeout(r, 500));
    const stopping = performance.now();
    const exit = await server.kill('SIGTERM');
    const took = performance.now() - stopping;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(10_000);
    expect(server.output()).toContain('forcing shutdown');
    await cut;

    // Nothing in flight: a clean exit, well before the deadline.
    server = startServer({ port, databaseUrl: schema.url, env });
    await waitHealthy(server);
    const again = performance.now();
    expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(performance.now() - again).toBeLessThan(1900);
  });
});
