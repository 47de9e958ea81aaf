// The one error type and the one error shape: {"error":{"code","message","details"?}}.
import type { ZodError } from 'zod';

export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 502 | 503,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export function errorBody(code: string, message: string, details?: unknown, requestId?: string): ErrorBody {
  return {
    error: {
      code,
      message,
      ...(details === undefined ? {} : { details }),
      ...(requestId ? { requestId } : {}),
    },
  };
}

/** A readable one-liner naming each bad field, plus the structured issues as details. */
// Validator targets named the way the API docs name them.
const TARGET_NAMES: Record<string, string> = { json: 'body', form: 'body', param: 'path' };

export function validationError(error: ZodError, target: 'body' | 'query' | 'path' | 'header' | string): AppError {
  const where = TARGET_NAMES[target] ?? target;
  const issues = error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  const message = issues
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  return new AppError(400, 'invalid_request', message || `invalid ${where}`, { issues });
}

export const notFound = (what: string, code = 'not_found'): AppError => new AppError(404, code, `${what} not found`);

/** An org that does not exist, or that the caller does not reach: the same answer for both. */
export const orgNotFound = (): AppError => notFound('Organization', 'org_not_found');
