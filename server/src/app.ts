// Builds the Hono app from the capability modules; no side effects at import.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { registerApiKeyRoutes } from './api-keys/routes.js';
import { registerAuditRoutes } from './audit/routes.js';
import { registerAuthRoutes } from './auth/routes.js';
import { registerCallRoutes } from './calls/routes.js';
import { registerDocsRoutes } from './docs/routes.js';
import { registerHealthRoutes } from './health/routes.js';
import type { App, AppDeps, AppEnv } from './http/context.js';
import { cors } from './http/cors.js';
import { dropDashboardCacheOnWrites } from './http/dashboard-cache.js';
import { errorBody, validationError } from './http/errors.js';
import { bodyGuard, type DeclaredQueries, queryGuard } from './http/input-guards.js';
import { errorResponder, requestContext, securityHeaders } from './http/middleware.js';
import { registerMetricsRoutes } from './metrics/routes.js';
import { registerMightyCallRoutes } from './mightycall/routes.js';
import { webhookFastPath } from './mightycall/webhook-routes.js';
import { registerMemberRoutes } from './orgs/member-routes.js';
import { registerOrgRoutes } from './orgs/routes.js';
import { registerPhoneNumberRoutes } from './phone-numbers/routes.js';
import { registerUserRoutes } from './users/routes.js';
import { registerWebApp } from './web-app/routes.js';

const IMPORT_PATH = '/api/admin/calls/import';

export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
  app.use('*', requestContext(deps.logger));
  app.use('*', securityHeaders({ trustProxy: deps.config.auth.trustProxy }));
  // Webhooks skip the generic input middleware below: they read their body once, under the same rules.
  app.use('/api/webhooks/mightycall/*', webhookFastPath(app, deps));
  app.use('*', cors(deps.config.corsOrigins));
  app.use('/api/*', dropDashboardCacheOnWrites(app, deps));
  // Bodies are small everywhere but the call import, which takes whole files.
  const limited = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) =>
        c.json(errorBody('payload_too_large', `Request bodies here are limited to ${maxSize} bytes.`), 413),
    });
  const importLimit = limited(deps.config.importMaxBytes);
  const defaultLimit = limited(deps.config.maxBodyBytes);
  app.use('/api/*', (c, next) => (c.req.path === IMPORT_PATH ? importLimit(c, next) : defaultLimit(c, next)));
  app.use('/api/*', bodyGuard());
  // Each route's own query parameters, filled in once every route is registered (below).
  let queries: DeclaredQueries = new Map();
  const queriesOfRoutes = () => queries;
  app.use('*', queryGuard(queriesOfRoutes));

  registerHealthRoutes(app, deps);
  registerDocsRoutes(app);
  registerAuthRoutes(app, deps);
  registerOrgRoutes(app, deps);
  registerMemberRoutes(app, deps);
  registerUserRoutes(app, deps);
  registerApiKeyRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerMetricsRoutes(app, deps);
  registerCallRoutes(app, deps);
  registerPhoneNumberRoutes(app, deps);
  registerMightyCallRoutes(app, deps);
  // Last: its SPA fallback answers every GET no route above claimed (never /api or /health).
  registerWebApp(app);

  queries = declaredQueries(app);

  app.notFound((c) =>
    c.json(errorBody('route_not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404),
  );
  app.onError(errorResponder(deps.logger));
  return app;
}

/** The query parameters of every documented API route, keyed "METHOD /hono/path" (/health stays lenient). */
function declaredQueries(app: App): DeclaredQueries {
  const map = new Map<string, ReadonlySet<string>>();
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== 'route') continue;
    const { method, path, request } = def.route;
    if (!path.startsWith('/api/') && !path.startsWith('/s/')) continue;
    const query = request?.query;
    if (query && !('shape' in query)) continue;
    const keys = query ? Object.keys(query.shape) : [];
    map.set(`${method.toUpperCase()} ${path.replaceAll(/\{(\w+)\}/g, ':$1')}`, new Set(keys));
  }
  return map;
}
