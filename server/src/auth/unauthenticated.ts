// The 401 every credential check answers with: what was wrong, and how to authenticate instead.
import { AppError } from '../http/errors.js';

export const HOW_TO_AUTHENTICATE =
  'Sign in with POST /api/auth/login (session cookie), or send an API key as "Authorization: Bearer <key>" or "x-api-key: <key>".';

export const unauthenticated = (
  message = `Authentication required. ${HOW_TO_AUTHENTICATE}`,
  code = 'unauthenticated',
) => new AppError(401, code, message, undefined, { 'www-authenticate': 'Bearer realm="victorysync"' });
