// An HTTP(S) client for the deployment tests: trusts the test's own certificate, connects from a chosen loopback
// address (the "client machine", which is not the trusted proxy), and can hold a Server-Sent Events stream open.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = unknown>(): T;
}

export interface ClientOptions {
  /** the certificate nginx serves (self-signed) */
  ca: string;
  /** the address requests leave from: not the proxy's own, so the server can tell them apart */
  localAddress: string;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

function open(url: string, init: RequestInit, options: ClientOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).request(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      ca: options.ca,
      localAddress: options.localAddress,
      agent: false,
      timeout: init.timeoutMs ?? 30_000,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.once('timeout', () => req.destroy(new Error(`${init.method ?? 'GET'} ${url} timed out`)));
    req.end(init.body);
  });
}

export async function request(url: string, init: RequestInit, options: ClientOptions): Promise<Answer> {
  const res = await open(url, init, options);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return { status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

export interface SseEvent {
  event: string;
  data: string;
  /** ms since the stream was opened */
  at: number;
}

export interface EventStream {
  status: number;
  headers: IncomingHttpHeaders;
  events: SseEvent[];
  /** comment lines (`: keepalive`) received, with their times */
  comments: number[];
  /** resolves when the stream ends, from either side */
  ended: Promise<void>;
  isOpen(): boolean;
  close(): void;
}

/** Opens a text/event-stream and parses it as it arrives. */
export async function openEventStream(
  url: string,
  headers: Record<string, string>,
  options: ClientOptions,
): Promise<EventStream> {
  const opened = performance.now();
  const res = await open(url, { headers: { accept: 'text/event-stream', ...headers }, timeoutMs: 0 }, options);
  const events: SseEvent[] = [];
  const comments: number[] = [];
  let open_ = true;
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const at = performance.now() - opened;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(at);
        else if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) events.push({ event, data: data.join('\n'), at });
    }
  });
  const ended = new Promise<void>((resolve) => {
    res.once('end', resolve);
    res.once('close', resolve);
    res.once('error', () => resolve());
  }).then(() => {
    open_ = false;
  });
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    events,
    comments,
    ended,
    isOpen: () => open_,
    close: () => res.destroy(),
  };
}
