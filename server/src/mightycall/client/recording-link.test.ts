// Where the client sends the connection's keys when it opens a recording link: MightyCall's hosts only.
import { describe, expect, it } from 'vitest';
import { MightyCallClient } from './client.js';
import { MightyCallError } from './transport.js';

const API_KEY = 'the-api-key';
const PANEL = 'https://panel.mightycall.com/Mightycall/Files/callrecord_1.wav?recordid=1&id=2';

interface Seen {
  url: string;
  authorization: string | null;
  apiKey: string | null;
  range: string | null;
}

/** A stand-in for MightyCall's side of the wire (a third party, so faked here): tokens, a panel file, a CDN. */
function upstream(routes: Record<string, (seen: Seen) => Response>) {
  const seen: Seen[] = [];
  let tokens = 0;
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    if (url.endsWith('/v4/auth/token')) {
      tokens++;
      return Response.json({ access_token: `token-${tokens}`, token_type: 'bearer', expires_in: 86399 });
    }
    const entry = {
      url,
      authorization: headers.get('authorization'),
      apiKey: headers.get('x-api-key'),
      range: headers.get('range'),
    };
    seen.push(entry);
    const route = routes[url];
    return route ? route(entry) : new Response('not found', { status: 404 });
  };
  const client = new MightyCallClient(
    { baseUrl: 'https://ccapi.mightycall.com/v4/api', apiKey: API_KEY, userKey: 'user-key', account: 'acct' },
    { budget: null, fetch: fetchImpl, backoffBaseMs: 1 },
  );
  return { client, seen, tokens: () => tokens };
}

const audio = () => new Response(new Uint8Array([82, 73, 70, 70]), { headers: { 'content-type': 'audio/wav' } });

describe('recording links', () => {
  it("sends the keys to MightyCall's panel, and not on to a host it redirects to", async () => {
    const cdn = 'https://files.cdn-example.net/a.wav?sig=1';
    const { client, seen } = upstream({
      [PANEL]: () => new Response(null, { status: 302, headers: { location: cdn } }),
      [cdn]: audio,
    });
    const res = await client.recording(PANEL, 'bytes=0-', 'interactive');
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([82, 73, 70, 70]));
    expect(seen).toEqual([
      { url: PANEL, authorization: 'Bearer token-1', apiKey: API_KEY, range: 'bytes=0-' },
      { url: cdn, authorization: null, apiKey: null, range: 'bytes=0-' },
    ]);
  });

  it('refuses links outside MightyCall (or not over https) without requesting them', async () => {
    const { client, seen } = upstream({});
    for (const link of [
      'https://evil.example/a.wav',
      'https://mightycall.com.evil.example/a.wav',
      'http://panel.mightycall.com/a.wav',
      'file:///etc/passwd',
      'not a url',
    ]) {
      await expect(client.recording(link, null, 'interactive')).rejects.toBeInstanceOf(MightyCallError);
    }
    expect(seen).toEqual([]);
  });

  it('re-mints the token once on a 401', async () => {
    let calls = 0;
    const { client, seen, tokens } = upstream({
      [PANEL]: () => (++calls === 1 ? new Response(null, { status: 401 }) : audio()),
    });
    const res = await client.recording(PANEL, null, 'interactive');
    expect(res.status).toBe(200);
    expect(tokens()).toBe(2);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });
});
