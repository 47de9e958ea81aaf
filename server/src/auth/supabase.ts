// Optional Supabase Auth: verifies an access token (HS256 secret or JWKS) and maps it to a VictorySync user.
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import type { AuthConfig } from '../config.js';
import { withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import type { Logger } from '../http/logger.js';
import { type Caller, loadUserAccess, userCaller } from './caller.js';
import { systemPrincipal } from './principal.js';
import { unauthenticated } from './unauthenticated.js';

const LOOKUP = systemPrincipal('supabase user mapping');

export interface SupabaseVerifier {
  resolve(token: string): Promise<Caller>;
}

const emailUnverified = () =>
  unauthenticated(
    'The Supabase token does not say its email is verified (claim email_verified), so it cannot be linked to a VictorySync account by email. Confirm the address in Supabase, or ask an administrator.',
    'email_unverified',
  );

export function createSupabaseVerifier(
  db: Kysely<DB>,
  config: NonNullable<AuthConfig['supabase']>,
  logger: Logger,
): SupabaseVerifier {
  const secret = config.secret ? new TextEncoder().encode(config.secret) : null;
  const jwks: JWTVerifyGetKey | null = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : null;
  const options = {
    audience: config.audience,
    ...(config.issuer ? { issuer: config.issuer } : {}),
  };

  async function verify(token: string): Promise<JWTPayload> {
    // Symmetric tokens are checked with the secret, asymmetric ones with the project's published keys.
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      alg?: unknown;
    };
    if (header.alg === 'HS256' && secret) {
      return (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
    }
    if (jwks && header.alg !== 'HS256') {
      return (await jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256', 'EdDSA'] })).payload;
    }
    throw new Error(`unsupported algorithm ${String(header.alg)}`);
  }

  return {
    async resolve(token) {
      let payload: JWTPayload;
      try {
        payload = await verify(token);
      } catch (error) {
        logger.debug('supabase token rejected', { reason: (error as Error).message });
        throw unauthenticated('The bearer token is not a valid Supabase access token.', 'token_invalid');
      }
      const subject = typeof payload.sub === 'string' ? payload.sub : null;
      const email = typeof payload.email === 'string' ? payload.email : null;
      // Only the token's own top-level claim counts: user_metadata is editable by the user it describes.
      const emailVerified = payload.email_verified === true;
      if (!subject) throw unauthenticated('The Supabase token has no subject.', 'token_invalid');
      const access = await withPrincipal(db, LOOKUP, async (tx) => {
        const bySubject = await tx
          .selectFrom('users')
          .select('id')
          .where('auth_subject', '=', subject)
          .executeTakeFirst();
        if (bySubject) return loadUserAccess(tx, bySubject.id);
        if (!email) return null;
        // A token whose email is not vouched for would let anyone who signs up with an admin's address become them.
        if (!emailVerified) throw emailUnverified();
        // First sign-in through Supabase: link the VictorySync user with the same email, once.
        const now = new Date();
        const linked = await tx
          .updateTable('users')
          .set({ auth_subject: subject, email_verified_at: now, updated_at: now })
          .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
          .where('auth_subject', 'is', null)
          .returning('id')
          .executeTakeFirst();
        return linked ? loadUserAccess(tx, linked.id) : null;
      });
      if (!access || access.disabled) {
        throw unauthenticated('No active VictorySync user matches this Supabase account.', 'user_not_provisioned');
      }
      return userCaller(access, 'supabase_jwt');
    },
  };
}
