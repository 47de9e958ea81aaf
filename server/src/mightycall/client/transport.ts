// HTTP to MightyCall: per-request timeout, backoff with jitter on 5xx/network, 429 "Retry after", quota accounting.
import { retryAfterOf } from './wire.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export type ErrorKind = 'auth' | 'quota' | 'http' | 'network' | 'invalid_response';

export class MightyCallError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'MightyCallError';
  }
}

/** The quota plan (or a 429) says: no request for this account before `resumeAt`. */
export class QuotaDeferred extends MightyCallError {
  constructor(
    readonly resumeAt: number,
    message: string,
    readonly throttled = false,
  ) {
    super('quota', message, throttled ? 429 : null);
    this.name = 'QuotaDeferred';
  }
}

/** Who is asking: each kind may spend a different share of the daily quota (quota.ts PRIORITY_SHARE). */
export type Priority = 'sync' | 'live' | 'interactive';

export interface RequestBudget {
  /** Counts one request against the account, or throws QuotaDeferred when the plan leaves no room. */
  acquire(account: string, priority: Priority): Promise<void>;
  /** After a 429: nothing more before `retryAt`, and the limit is at most what was used. Returns when to go on. */
  throttled(account: string, retryAt: number, priority: Priority): Promise<number>;
}

export interface TransportOptions {
  account: string;
  budget: RequestBudget | null;
  clock?: Clock;
  fetch?: typeof fetch;
  /** per attempt (default 15 s) */
  timeoutMs?: number;
  /** extra attempts after a 5xx or network error (default 3) */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface WireRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: string;
  priority: Priority;
  /** false for requests the quota does not count (ping) */
  counted: boolean;
}

export interface WireResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Transport {
  readonly clock: Clock;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: TransportOptions) {
    this.clock = options.clock ?? systemClock;
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.baseMs = options.backoffBaseMs ?? 250;
    this.maxMs = options.backoffMaxMs ?? 8000;
    this.sleep = options.sleep ?? sleepReal;
    this.random = options.random ?? Math.random;
  }

  /** Full jitter: a random wait up to base·2^attempt, capped. */
  backoffMs(attempt: number): number {
    return Math.round(this.random() * Math.min(this.maxMs, this.baseMs * 2 ** attempt));
  }

  async send(request: WireRequest): Promise<WireResponse> {
    const { account, budget } = this.options;
    for (let attempt = 0; ; attempt++) {
      if (request.counted && budget) await budget.acquire(account, request.priority);
      const outcome = await this.attempt(request);
      if ('response' in outcome) {
        const { response } = outcome;
        if (response.status === 429) {
          const retryAt = retryAtOf(response, this.clock.now());
          const resumeAt = budget ? await budget.throttled(account, retryAt, request.priority) : retryAt;
          throw new QuotaDeferred(
            resumeAt,
            `MightyCall throttled the account until ${new Date(retryAt).toISOString()}`,
            true,
          );
        }
        if (response.status < 500) return response;
        if (attempt >= this.maxRetries) {
          throw new MightyCallError(
            'http',
            `MightyCall answered ${response.status} ${pathOf(request.url)}`,
            response.status,
          );
        }
      } else if (attempt >= this.maxRetries) {
        throw new MightyCallError(outcome.kind, `${outcome.error} (${request.method} ${pathOf(request.url)})`);
      }
      await this.sleep(this.backoffMs(attempt));
    }
  }

  /**
   * One GET whose body the caller streams on (audio): no retries and no quota (a file, not an API method); the
   * timeout covers the wait for the headers; redirects come back to the caller, who decides where credentials go.
   */
  async open(url: string, headers: Record<string, string>): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      return await this.fetchImpl(url, { method: 'GET', headers, redirect: 'manual', signal: controller.signal });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      // The link itself is never part of the message: it may carry the provider's ids or signatures.
      throw new MightyCallError('network', timedOut ? `no answer within ${this.timeoutMs} ms` : 'connection failed');
    } finally {
      clearTimeout(timer);
    }
  }

  private async attempt(
    request: WireRequest,
  ): Promise<{ response: WireResponse } | { kind: 'network' | 'invalid_response'; error: string }> {
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return { kind: 'network', error: timedOut ? `no answer within ${this.timeoutMs} ms` : 'connection failed' };
    }
    let body: unknown = null;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        // A cut-off 2xx body is a transport failure worth a retry; error bodies may be plain text.
        if (res.status >= 200 && res.status < 300)
          return { kind: 'invalid_response', error: 'unreadable response body' };
        body = text.slice(0, 500);
      }
    }
    return { response: { status: res.status, headers: res.headers, body } };
  }
}

function retryAtOf(response: WireResponse, now: number): number {
  return retryAfterOf(messageOf(response.body), response.headers.get('retry-after'), now) ?? now + 60_000;
}

/** The `message` / `Message` / `error` text of a MightyCall error body. */
export function messageOf(body: unknown): string | null {
  if (typeof body === 'string') return body;
  if (!body || typeof body !== 'object') return null;
  for (const [key, value] of Object.entries(body)) {
    if (['message', 'Message', 'error', 'errorCode'].includes(key) && typeof value === 'string') return value;
  }
  return null;
}

/** The path only: URLs never carry secrets here, but logs stay short and uniform. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
