// The MightyCall v4 client: Bearer + x-api-key on every call, one re-mint on 401, paging, tolerant parsing.
import {
  CallSchema,
  CallsPageSchema,
  journalRequestsOf,
  type McCall,
  type McPhoneNumber,
  type McProfile,
  type McRequest,
  PhoneNumberSchema,
  PhoneNumbersSchema,
  ProfileSchema,
  parseItems,
  RequestSchema,
  unwrapData,
} from './responses.js';
import { TokenCache, TokenSource } from './tokens.js';
import {
  type Clock,
  MightyCallError,
  messageOf,
  type Priority,
  type RequestBudget,
  Transport,
  type TransportOptions,
  type WireResponse,
} from './transport.js';
import { callsWindowParam, journalWindowParam } from './wire.js';

export const HOSTS = {
  classic: 'https://api.mightycall.com/v4/api',
  'contact-center': 'https://ccapi.mightycall.com/v4/api',
} as const;

/** A data base URL ending in /v4/api: given as a host (https://x), a version root (…/v4) or in full. */
export function normalizeBaseUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (/\/v4\/api$/i.test(trimmed)) return trimmed;
  if (/\/v4$/i.test(trimmed)) return `${trimmed}/api`;
  return `${trimmed}/v4/api`;
}

/** The token endpoint sits outside the data base path: {host}/v4/auth/token. */
function tokenUrlOf(baseUrl: string): string {
  return baseUrl.replace(/\/api$/i, '/auth/token');
}

export interface ClientConfig {
  /** …/v4/api */
  baseUrl: string;
  apiKey: string;
  userKey: string;
  /** the provider account the quota is counted under */
  account: string;
}

export interface ClientDeps extends Omit<TransportOptions, 'account' | 'budget'> {
  budget: RequestBudget | null;
  tokens?: TokenCache;
}

export interface JournalQuery {
  fromMs: number;
  toMs: number;
  /** ≤ 1000 (MightyCall answers 400 above) */
  pageSize?: number;
  priority: Priority;
}

export interface JournalPage {
  requests: McRequest[];
  /** the items as received, for calls.raw */
  raw: Map<string, unknown>;
  skipped: number;
  page: number;
}

const JOURNAL_MAX_PAGE_SIZE = 1000;
const MAX_PAGES = 10_000;

export class MightyCallClient {
  readonly transport: Transport;
  private readonly tokens: TokenSource;

  constructor(
    private readonly config: ClientConfig,
    deps: ClientDeps,
  ) {
    this.transport = new Transport({ ...deps, account: config.account });
    this.tokens = new TokenSource(
      { tokenUrl: tokenUrlOf(config.baseUrl), apiKey: config.apiKey, userKey: config.userKey },
      this.transport,
      deps.tokens ?? new TokenCache(),
    );
  }

  get clock(): Clock {
    return this.transport.clock;
  }

  /** GET /ping: needs no credentials and is not counted. */
  async ping(): Promise<string> {
    const res = await this.transport.send({
      method: 'GET',
      url: `${this.config.baseUrl}/ping`,
      headers: { accept: 'application/json' },
      priority: 'interactive',
      counted: false,
    });
    if (res.status !== 200) throw new MightyCallError('http', `ping answered ${res.status}`, res.status);
    const data = unwrapData(res.body);
    return typeof data === 'string' ? data : JSON.stringify(data);
  }

  /** Mints (or reuses) an access token: the credentials check of POST …/test. */
  async token(priority: Priority): Promise<void> {
    await this.tokens.current(priority);
  }

  async phoneNumbers(priority: Priority): Promise<{ active: McPhoneNumber[]; deleted: McPhoneNumber[] }> {
    const res = await this.expectOk(await this.get('/phonenumbers', {}, priority), 'phonenumbers');
    const parsed = PhoneNumbersSchema.safeParse(res.body);
    if (!parsed.success) throw new MightyCallError('invalid_response', 'phonenumbers: unexpected response shape');
    return {
      active: parseItems(PhoneNumberSchema, parsed.data.data.phoneNumbers ?? []).items,
      deleted: parseItems(PhoneNumberSchema, parsed.data.data.deletedPhoneNumbers ?? []).items,
    };
  }

  /** GET /calls/{id}; null when MightyCall does not know it (a 400 "Call not found"). */
  async callById(id: string, priority: Priority): Promise<McCall | null> {
    const res = await this.get(`/calls/${encodeURIComponent(id)}`, {}, priority);
    if (res.status === 400 || res.status === 404) return null;
    await this.expectOk(res, 'calls/{id}');
    const parsed = CallSchema.safeParse(unwrapData(res.body));
    if (!parsed.success) throw new MightyCallError('invalid_response', 'calls/{id}: unexpected response shape');
    return parsed.data;
  }

  /** GET /calls pages (skip/pageSize), newest first, de-duplicated across pages. */
  async *calls(query: {
    startMs: number;
    endMs: number;
    pageSize?: number;
    priority: Priority;
  }): AsyncGenerator<McCall[]> {
    const pageSize = query.pageSize ?? 100;
    const seen = new Set<string>();
    for (let skip = 0, pages = 0; pages < MAX_PAGES; pages++) {
      const params = {
        startUtc: callsWindowParam(query.startMs),
        endUtc: callsWindowParam(query.endMs),
        pageSize: String(pageSize),
        skip: String(skip),
      };
      const res = await this.expectOk(await this.get('/calls', params, query.priority), 'calls');
      const parsed = CallsPageSchema.safeParse(res.body);
      const raw = parsed.success ? (parsed.data.data?.calls ?? []) : null;
      if (!raw) throw new MightyCallError('invalid_response', 'calls: unexpected response shape');
      const calls = parseItems(CallSchema, raw).items.filter((c) => !seen.has(c.id) && seen.add(c.id));
      if (calls.length > 0) yield calls;
      skip += raw.length;
      const total = parsed.success ? parsed.data.data?.total : null;
      if (raw.length < pageSize || (typeof total === 'number' && skip >= total)) return;
    }
  }

  /** GET /journal/requests pages (page from 1, pageSize ≤ 1000) until a short page; calls only, with users. */
  async *journal(query: JournalQuery): AsyncGenerator<JournalPage> {
    const pageSize = Math.min(JOURNAL_MAX_PAGE_SIZE, Math.max(1, query.pageSize ?? JOURNAL_MAX_PAGE_SIZE));
    const seen = new Set<string>();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const params = {
        from: journalWindowParam(query.fromMs),
        to: journalWindowParam(query.toMs),
        type: 'Call',
        showUsers: 'true',
        page: String(page),
        pageSize: String(pageSize),
      };
      const res = await this.expectOk(await this.get('/journal/requests', params, query.priority), 'journal');
      const items = journalRequestsOf(res.body);
      if (!items) throw new MightyCallError('invalid_response', 'journal: unexpected response shape');
      const parsed = parseItems(RequestSchema, items);
      const raw = new Map<string, unknown>();
      for (const item of items) {
        const id = item && typeof item === 'object' && 'id' in item ? item.id : undefined;
        if (typeof id === 'string') raw.set(id, item);
      }
      const requests = parsed.items.filter((r) => !seen.has(r.id) && seen.add(r.id));
      yield { requests, raw, skipped: parsed.skipped, page };
      if (items.length < pageSize) return;
    }
  }

  /** GET /journal/requests/{requestId} (24 hex); null when MightyCall does not know it (404, or 400 for a bad id). */
  async journalRequest(requestId: string, priority: Priority): Promise<McRequest | null> {
    const res = await this.get(`/journal/requests/${encodeURIComponent(requestId)}`, {}, priority);
    if (res.status === 400 || res.status === 404) return null;
    await this.expectOk(res, 'journal/requests/{id}');
    const parsed = RequestSchema.safeParse(unwrapData(res.body));
    if (!parsed.success)
      throw new MightyCallError('invalid_response', 'journal/requests/{id}: unexpected response shape');
    return parsed.data;
  }

  /** GET /profile/{extension}; null for an unknown extension (400 "User profile not found"). */
  async profile(extension: string, priority: Priority): Promise<McProfile | null> {
    const res = await this.get(`/profile/${encodeURIComponent(extension)}`, {}, priority);
    if (res.status === 400 || res.status === 404) return null;
    await this.expectOk(res, 'profile');
    const parsed = ProfileSchema.safeParse(res.body);
    return parsed.success ? parsed.data.data : null;
  }

  /**
   * Opens a recording link (a `callRecord.uri` or journal `recording.link`) for streaming, passing `range` on for
   * seeking. The connection's credentials go only to MightyCall's own hosts (the connection's host or
   * *.mightycall.com over https); a link elsewhere is refused, and a redirect away from them is followed without
   * credentials. A 401 re-mints the token once.
   */
  async recording(link: string, range: string | null, priority: Priority): Promise<Response> {
    let url = this.mediaUrl(link);
    if (!url || !this.trustedMediaHost(url)) throw new MightyCallError('invalid_response', 'recording link refused');
    let reminted = false;
    for (let hop = 0; hop < 5; hop++) {
      const trusted = this.trustedMediaHost(url);
      const headers: Record<string, string> = { accept: 'audio/*, */*;q=0.5' };
      if (range) headers.range = range;
      let token: string | null = null;
      if (trusted) {
        token = await this.tokens.current(priority);
        headers.authorization = `Bearer ${token}`;
        headers['x-api-key'] = this.config.apiKey;
      }
      const res = await this.transport.open(url.href, headers);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        const next = this.mediaUrl(location, url);
        if (!next) throw new MightyCallError('invalid_response', 'recording redirect refused');
        url = next;
        continue;
      }
      if (res.status === 401 && token && !reminted) {
        await res.body?.cancel();
        this.tokens.reject(token);
        reminted = true;
        hop--;
        continue;
      }
      return res;
    }
    throw new MightyCallError('invalid_response', 'recording: too many redirects');
  }

  /** An http(s) URL, resolved against `base` for a redirect; null for anything else. */
  private mediaUrl(link: string, base?: URL): URL | null {
    try {
      const url = new URL(link.trim(), base);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
    } catch {
      return null;
    }
  }

  /** MightyCall's own hosts: the connection's origin (the simulator's too), or https on mightycall.com. */
  private trustedMediaHost(url: URL): boolean {
    const base = new URL(this.config.baseUrl);
    if (url.origin === base.origin) return true;
    const host = url.hostname.toLowerCase();
    return url.protocol === 'https:' && (host === 'mightycall.com' || host.endsWith('.mightycall.com'));
  }

  /** An authorized GET: Bearer + x-api-key; on a 401 the token is re-minted once and the request repeated. */
  private async get(path: string, query: Record<string, string>, priority: Priority): Promise<WireResponse> {
    const search = new URLSearchParams(query).toString();
    const url = `${this.config.baseUrl}${path}${search ? `?${search}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.current(priority);
      const res = await this.transport.send({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${token}`, 'x-api-key': this.config.apiKey, accept: 'application/json' },
        priority,
        counted: true,
      });
      if (!isAuthFailure(res)) return res;
      if (attempt > 0)
        throw new MightyCallError('auth', 'MightyCall refused a freshly minted access token.', res.status);
      this.tokens.reject(token);
    }
  }

  private async expectOk(res: WireResponse, what: string): Promise<WireResponse> {
    if (res.status >= 200 && res.status < 300) return res;
    const detail = messageOf(res.body) ?? '';
    throw new MightyCallError(
      'http',
      `${what}: MightyCall answered ${res.status}${detail ? ` (${detail})` : ''}`,
      res.status,
    );
  }
}

/** 401, or a 403 whose message is about authorization, means the token is no good. */
function isAuthFailure(res: WireResponse): boolean {
  if (res.status === 401) return true;
  return res.status === 403 && /authoriz|token|denied/i.test(messageOf(res.body) ?? '');
}
