// A tiny round-robin HTTP balancer for the two-process load test: each request goes to the next backend,
// bodies are streamed both ways (Server-Sent Events included), and the answer says who served it (x-backend).
// Run: BALANCER_PORT=8080 BALANCER_BACKENDS=http://127.0.0.1:3001,http://127.0.0.1:3002 tsx bench/load/balancer.ts
import http from 'node:http';

const port = Number(process.env.BALANCER_PORT ?? 8080);
const backends = (process.env.BALANCER_BACKENDS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
  .map((s) => new URL(s));
if (backends.length === 0) {
  process.stderr.write('BALANCER_BACKENDS is empty\n');
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const served = backends.map(() => 0);
const failed = backends.map(() => 0);
let next = 0;

// Hop-by-hop headers are the proxy's own business (RFC 9110 §7.6.1).
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function forwardHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP.has(name) && value !== undefined) out[name] = value;
  return out;
}

const server = http.createServer((req, res) => {
  if (req.url === '/__balancer/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ backends: backends.map((b, i) => ({ url: b.origin, served: served[i], failed: failed[i] })) }),
    );
    return;
  }
  const index = next;
  next = (next + 1) % backends.length;
  const target = backends[index] as URL;
  const upstream = http.request(
    {
      agent,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: forwardHeaders(req.headers),
    },
    (answer) => {
      served[index] = (served[index] ?? 0) + 1;
      const headers = forwardHeaders(answer.headers);
      headers['x-backend'] = String(index + 1);
      res.writeHead(answer.statusCode ?? 502, headers);
      // Streams (SSE) must not wait for a buffer to fill.
      res.flushHeaders();
      answer.pipe(res);
      res.on('close', () => answer.destroy());
    },
  );
  upstream.on('error', (error) => {
    failed[index] = (failed[index] ?? 0) + 1;
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json', 'x-backend': String(index + 1) });
      res.end(JSON.stringify({ error: { code: 'bad_gateway', message: error.message } }));
    } else {
      res.destroy();
    }
  });
  req.on('aborted', () => upstream.destroy());
  req.pipe(upstream);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
