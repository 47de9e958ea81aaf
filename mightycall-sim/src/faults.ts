// Fault injection per path: added latency, forced status codes, dropped connections, truncated bodies.
import type { MiddlewareHandler } from 'hono';
import { sleep } from './clock.js';
import type { SimEnv } from './env.js';

export type FaultKind = 'latency' | 'status' | 'drop' | 'malformed';

export interface FaultInput {
  /**
   * Path pattern, case-insensitive; `*` matches any run of characters. Patterns that do not start with
   * `/v4/` are relative to `/v4/api` (e.g. `/calls*`, `/journal/requests`, `/v4/auth/token`).
   */
  path: string;
  method?: string;
  /** only requests whose x-api-key header equals this */
  apiKey?: string;
  kind: FaultKind;
  /** latency: added delay (default 1000 ms) */
  latencyMs?: number;
  /** status: the forced status (default 500) */
  status?: number;
  /** status: the body (default {"message":"An error has occurred."}) */
  body?: unknown;
  /** how many matching requests it hits; omitted = until cleared */
  times?: number;
  /** lets this many matching requests through untouched first (fail from the third page on: `after: 2`) */
  after?: number;
}

export interface FaultRule extends FaultInput {
  id: number;
  remaining: number | null;
  hits: number;
  /** matching requests still to let through before it starts hitting */
  skipping: number;
}

function patternRegex(path: string): RegExp {
  const absolute = path.toLowerCase().startsWith('/v4/') ? path : `/v4/api${path.startsWith('/') ? '' : '/'}${path}`;
  const source = absolute
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}/?$`);
}

export class FaultInjector {
  private rules: Array<FaultRule & { regex: RegExp }> = [];
  private nextId = 1;

  add(input: FaultInput): FaultRule {
    if (!['latency', 'status', 'drop', 'malformed'].includes(input.kind))
      throw new Error(`unknown fault kind ${input.kind}`);
    if (typeof input.path !== 'string' || input.path.length === 0) throw new Error('fault path is required');
    if (input.after !== undefined && !(Number.isInteger(input.after) && input.after >= 0))
      throw new Error('after must be a non-negative integer');
    const rule = {
      ...input,
      id: this.nextId++,
      remaining: input.times ?? null,
      hits: 0,
      skipping: input.after ?? 0,
      regex: patternRegex(input.path),
    };
    this.rules.push(rule);
    return this.view(rule);
  }

  list(): FaultRule[] {
    return this.rules.map((r) => this.view(r));
  }

  clear(id?: number): number {
    const before = this.rules.length;
    this.rules = id === undefined ? [] : this.rules.filter((r) => r.id !== id);
    return before - this.rules.length;
  }

  /** The rules that hit this request (each use spends one of its count). */
  take(method: string, path: string, apiKey: string | undefined): FaultRule[] {
    const hit: FaultRule[] = [];
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.apiKey && rule.apiKey !== apiKey) continue;
      if (!rule.regex.test(path.toLowerCase())) continue;
      if (rule.skipping > 0) {
        rule.skipping--;
        continue;
      }
      rule.hits++;
      if (rule.remaining !== null) rule.remaining--;
      hit.push(this.view(rule));
    }
    this.rules = this.rules.filter((r) => r.remaining === null || r.remaining > 0);
    return hit;
  }

  private view(rule: FaultRule & { regex?: RegExp }): FaultRule {
    const { regex: _regex, ...rest } = rule;
    return { ...rest };
  }
}

/** A response whose body stream fails: what a dropped connection looks like without a socket. */
function brokenResponse(): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(new Error('connection dropped by the simulator'));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

export function faultMiddleware(faults: FaultInjector): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const rules = faults.take(c.req.method, c.req.path, c.req.header('x-api-key'));
    if (rules.length === 0) return next();
    const delay = rules.filter((r) => r.kind === 'latency').reduce((sum, r) => sum + (r.latencyMs ?? 1000), 0);
    if (delay > 0) await sleep(delay);
    const fault = rules.find((r) => r.kind !== 'latency');
    if (!fault) return next();
    if (fault.kind === 'status') {
      const status = fault.status ?? 500;
      const body = fault.body ?? { message: 'An error has occurred.' };
      return new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
    }
    if (fault.kind === 'drop') {
      const socket = c.env?.incoming?.socket;
      if (!socket) return brokenResponse();
      socket.destroy();
      return new Response(null, { status: 200 });
    }
    await next();
    const text = await c.res.text();
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    c.res = new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), { status: c.res.status, headers });
  };
}
