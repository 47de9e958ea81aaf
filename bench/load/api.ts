// A minimal JSON client for the VictorySync API, as the benchmark's users and keys see it.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: ${status} ${body.slice(0, 300)}`);
  }
}

export interface Credential {
  /** `vs_session=…` */
  cookie?: string;
  apiKey?: string;
}

export class Api {
  constructor(
    readonly base: string,
    readonly credential: Credential = {},
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { ...extra };
    if (this.credential.cookie) h.cookie = this.credential.cookie;
    if (this.credential.apiKey) h.authorization = `Bearer ${this.credential.apiKey}`;
    return h;
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const headers = this.headers(
      // Cookie-authenticated writes must come from our own origin.
      body === undefined ? { origin: this.base } : { 'content-type': 'application/json', origin: this.base },
    );
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, text: await res.text() };
  }

  /** The parsed JSON of a 2xx answer; anything else throws with the answer in the message. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    if (res.status < 200 || res.status > 299) throw new ApiError(res.status, res.text, `${method} ${path}`);
    return (res.text ? JSON.parse(res.text) : null) as T;
  }
}

/** Signs in and returns the session cookie (`vs_session=…`). */
export async function login(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new ApiError(res.status, await res.text(), `login ${email}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('vs_session='));
  if (!cookie) throw new Error(`login ${email}: no vs_session cookie`);
  return cookie;
}
