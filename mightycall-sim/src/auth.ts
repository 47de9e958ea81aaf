// POST /v4/auth/token (client_credentials, refresh_token) and the bearer + x-api-key check on /v4/api.
import type { Context, MiddlewareHandler } from 'hono';
import type { AccountRegistry } from './accounts.js';
import type { SimEnv } from './env.js';
import { newAccessToken, newRefreshToken } from './ids.js';
import type { SimAccount, SimUser } from './types.js';

export const DEFAULT_TOKEN_TTL_SECONDS = 86_399;
export const AUTH_DENIED = { Message: 'Authorization has been denied for this request.' } as const;

interface Grant {
  apiKey: string;
  userGuid: string;
}

interface AccessGrant extends Grant {
  expiresAt: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
}

/** Access and refresh tokens, each bound to one (account, user). Refresh tokens rotate on use. */
export class TokenStore {
  private readonly access = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, Grant>();

  constructor(
    private readonly now: () => number,
    public ttlSeconds: number,
  ) {}

  issue(apiKey: string, userGuid: string): TokenResponse {
    const accessToken = newAccessToken();
    const refreshToken = newRefreshToken();
    this.access.set(accessToken, { apiKey, userGuid, expiresAt: this.now() + this.ttlSeconds * 1000 });
    this.refresh.set(refreshToken, { apiKey, userGuid });
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: this.ttlSeconds,
      refresh_token: refreshToken,
    };
  }

  /** The grant behind a live access token; undefined when unknown or expired. */
  resolve(accessToken: string): Grant | undefined {
    const grant = this.access.get(accessToken);
    if (!grant) return undefined;
    if (grant.expiresAt <= this.now()) {
      this.access.delete(accessToken);
      return undefined;
    }
    return grant;
  }

  /** Exchanges a refresh token (which is then spent) for a fresh pair. */
  redeem(refreshToken: string, apiKey: string): TokenResponse | undefined {
    const grant = this.refresh.get(refreshToken);
    if (!grant || grant.apiKey !== apiKey) return undefined;
    this.refresh.delete(refreshToken);
    return this.issue(grant.apiKey, grant.userGuid);
  }

  /** Makes every access token of the account (or of all accounts) expire now; refresh tokens stay valid. */
  expireAll(apiKey?: string): number {
    let count = 0;
    for (const [token, grant] of this.access) {
      if (apiKey === undefined || grant.apiKey === apiKey) {
        this.access.delete(token);
        count++;
      }
    }
    return count;
  }

  revokeAccount(apiKey: string): void {
    this.expireAll(apiKey);
    for (const [token, grant] of this.refresh) if (grant.apiKey === apiKey) this.refresh.delete(token);
  }
}

function findUserBySecret(account: SimAccount, secret: string): SimUser | undefined {
  const byKey = account.users.find((u) => u.userKey === secret);
  if (byKey) return byKey;
  // Classic accounts also accept the user's extension number as client_secret.
  return account.product === 'classic' ? account.users.find((u) => u.extension === secret) : undefined;
}

const oauthError = (c: Context<SimEnv>, error: string) => c.json({ error }, 400);

/** The token endpoint: form-encoded body, x-api-key header equal to the account's api key. */
export function tokenHandler(accounts: AccountRegistry, tokens: TokenStore) {
  return async (c: Context<SimEnv>) => {
    const type = c.req.header('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return oauthError(c, 'invalid_request');
    const form = new URLSearchParams(await c.req.text());
    const headerKey = c.req.header('x-api-key');
    const grantType = form.get('grant_type');
    if (grantType === 'client_credentials') {
      const clientId = form.get('client_id') ?? '';
      const secret = form.get('client_secret') ?? '';
      const account = accounts.get(clientId);
      if (!account || headerKey !== clientId) return oauthError(c, 'invalid_client');
      const user = findUserBySecret(account, secret);
      if (!user) return oauthError(c, 'invalid_client');
      return c.json(tokens.issue(account.apiKey, user.userGuid));
    }
    if (grantType === 'refresh_token') {
      const account = accounts.get(headerKey);
      if (!account) return oauthError(c, 'invalid_client');
      const pair = tokens.redeem(form.get('refresh_token') ?? '', account.apiKey);
      return pair ? c.json(pair) : oauthError(c, 'invalid_grant');
    }
    return oauthError(c, 'unsupported_grant_type');
  };
}

/** Bearer + x-api-key check for /v4/api/* (ping excluded); sets the account and the token's user. */
export function authMiddleware(accounts: AccountRegistry, tokens: TokenStore): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    if (c.req.path === '/v4/api/ping') return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^bearer\s+(\S+)$/i.exec(header.trim());
    const grant = match?.[1] ? tokens.resolve(match[1]) : undefined;
    const account = grant ? accounts.get(grant.apiKey) : undefined;
    const user = account?.users.find((u) => u.userGuid === grant?.userGuid);
    if (!account || !user) return c.json(AUTH_DENIED, 401);
    const apiKey = c.req.header('x-api-key');
    if (apiKey === undefined ? account.settings.requireApiKeyHeader : apiKey !== account.apiKey) {
      return c.json(AUTH_DENIED, 401);
    }
    c.set('account', account);
    c.set('user', user);
    await next();
  };
}
