// The tests' own HTTP client for the server API: a signed-in session (cookie) or an API key.
export interface ApiClient {
  get: <T>(path: string) => Promise<{ status: number; body: T }>;
  send: <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;
  /** a body sent as-is with its content type (NDJSON, CSV) */
  sendText: <T>(
    method: string,
    path: string,
    body: string,
    contentType: string,
  ) => Promise<{ status: number; body: T }>;
}

function client(baseUrl: string, headers: Record<string, string>): ApiClient {
  const raw = async <T>(method: string, path: string, body: string | undefined, contentType: string | null) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...headers,
        origin: baseUrl,
        accept: 'application/json',
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      body,
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: (type.includes('json') && text ? JSON.parse(text) : text) as T };
  };
  const call = <T>(method: string, path: string, body?: unknown) =>
    raw<T>(
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? null : 'application/json',
    );
  return {
    get: (path) => call('GET', path),
    send: call,
    sendText: (method, path, body, contentType) => raw(method, path, body, contentType),
  };
}

export async function sessionClient(baseUrl: string, email: string, password: string): Promise<ApiClient> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`login as ${email} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return client(baseUrl, { cookie });
}

export function keyClient(baseUrl: string, key: string): ApiClient {
  return client(baseUrl, { authorization: `Bearer ${key}` });
}

/** Polls until `check` passes or the time is up; returns the last value for the assertion. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  return value;
}
