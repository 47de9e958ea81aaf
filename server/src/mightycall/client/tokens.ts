// Access tokens: client_credentials (form-encoded, x-api-key), refresh_token, cached until shortly before expiry.
import { createHash } from 'node:crypto';
import { TokenSchema } from './responses.js';
import { MightyCallError, messageOf, type Priority, type Transport } from './transport.js';

export interface CachedToken {
  accessToken: string;
  refreshToken: string | null;
  /** epoch ms */
  expiresAt: number;
  ttlMs: number;
}

/** Tokens per (api key, user key), shared by every client of the process; minting is single-flight. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly minting = new Map<string, Promise<CachedToken>>();

  static keyOf(apiKey: string, userKey: string): string {
    return createHash('sha256').update(`${apiKey}\u0000${userKey}`).digest('hex');
  }

  get(key: string): CachedToken | undefined {
    return this.tokens.get(key);
  }

  set(key: string, token: CachedToken): void {
    this.tokens.set(key, token);
  }

  /** Forgets the access token but keeps the refresh token for the next mint. */
  invalidate(key: string, accessToken: string): void {
    const current = this.tokens.get(key);
    if (current && current.accessToken === accessToken) this.tokens.set(key, { ...current, expiresAt: 0 });
  }

  singleFlight(key: string, mint: () => Promise<CachedToken>): Promise<CachedToken> {
    const running = this.minting.get(key);
    if (running) return running;
    const started = mint().finally(() => this.minting.delete(key));
    this.minting.set(key, started);
    return started;
  }
}

/** Renew ahead of expiry: 60 s for day-long tokens, a tenth of the lifetime for short ones. */
function renewMarginMs(ttlMs: number): number {
  return Math.min(60_000, ttlMs / 10);
}

export interface Credentials {
  tokenUrl: string;
  apiKey: string;
  userKey: string;
}

export class TokenSource {
  private readonly key: string;

  constructor(
    private readonly credentials: Credentials,
    private readonly transport: Transport,
    private readonly cache: TokenCache,
  ) {
    this.key = TokenCache.keyOf(credentials.apiKey, credentials.userKey);
  }

  /** A live access token: the cached one, a refreshed one, or a new one. */
  async current(priority: Priority): Promise<string> {
    const cached = this.cache.get(this.key);
    const now = this.transport.clock.now();
    if (cached && now < cached.expiresAt - renewMarginMs(cached.ttlMs)) return cached.accessToken;
    const token = await this.cache.singleFlight(this.key, () => this.mint(cached?.refreshToken ?? null, priority));
    return token.accessToken;
  }

  /** After a 401: drop this access token so the next `current` mints again. */
  reject(accessToken: string): void {
    this.cache.invalidate(this.key, accessToken);
  }

  private async mint(refreshToken: string | null, priority: Priority): Promise<CachedToken> {
    if (refreshToken) {
      const refreshed = await this.grant({ grant_type: 'refresh_token', refresh_token: refreshToken }, priority);
      if ('token' in refreshed) return refreshed.token;
    }
    const minted = await this.grant(
      { grant_type: 'client_credentials', client_id: this.credentials.apiKey, client_secret: this.credentials.userKey },
      priority,
    );
    if ('token' in minted) return minted.token;
    // The provider's own word (invalid_client for a wrong key), so an admin sees what MightyCall said.
    throw new MightyCallError(
      'auth',
      `MightyCall refused the API key or user key: "${minted.refused}" (HTTP ${minted.status}).`,
      minted.status,
    );
  }

  /** One token request: the token, or MightyCall's refusal of the grant (400 invalid_client / invalid_grant). */
  private async grant(
    form: Record<string, string>,
    priority: Priority,
  ): Promise<{ token: CachedToken } | { refused: string; status: number }> {
    const response = await this.transport.send({
      method: 'POST',
      url: this.credentials.tokenUrl,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-api-key': this.credentials.apiKey,
        accept: 'application/json',
      },
      body: new URLSearchParams(form).toString(),
      priority,
      counted: true,
    });
    if (response.status === 400 || response.status === 401) {
      return { refused: (messageOf(response.body) ?? 'no reason given').slice(0, 200), status: response.status };
    }
    const parsed = TokenSchema.safeParse(response.body);
    if (response.status !== 200 || !parsed.success) {
      const detail = messageOf(response.body) ?? `status ${response.status}`;
      throw new MightyCallError('invalid_response', `MightyCall token endpoint: ${detail}`, response.status);
    }
    const ttlMs = Math.max(1, parsed.data.expires_in ?? 86_399) * 1000;
    const token: CachedToken = {
      accessToken: parsed.data.access_token,
      refreshToken: parsed.data.refresh_token ?? null,
      expiresAt: this.transport.clock.now() + ttlMs,
      ttlMs,
    };
    this.cache.set(this.key, token);
    return { token };
  }
}
