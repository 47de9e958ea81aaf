// Builds the Hono app from the capability modules; no side effects at import.
// What is built where: main.ts opens the config, logger and database; createServices (services.ts) builds every
// long-lived service from them once (auth runtime, MightyCall runtime with its webhook cache and inbox writer,
// dashboard cache, org settings memo, route table); createApp wires those AppDeps into the routes, which receive
// them as parameters; main.ts listens, starts the MightyCall jobs, and on shutdown stops them, then flushes API-key
// usage, then closes the database. Tests build services and app the same way (test/support/app.ts).
import { OpenAPIHono } from '@hono/zod-openapi';
import { registerAlertRoutes } from './alerts/routes.js';
import { registerApiKeyRoutes } from './api-keys/routes.js';
import { registerAuditRoutes } from './audit/routes.js';
import { registerAccountRoutes } from './auth/account-routes.js';
import { registerAuthRoutes } from './auth/routes.js';
import { registerCallRoutes } from './calls/routes.js';
import { registerDocsRoutes } from './docs/routes.js';
import { registerMetricsEndpoint } from './health/metrics-route.js';
import { registerHealthRoutes, registerReadyRoute } from './health/routes.js';
import { bodyLimit, settleUnreadBodies } from './http/body-stream.js';
import type { App, AppDeps, AppEnv } from './http/context.js';
import { cors } from './http/cors.js';
import { dropDashboardCacheOnWrites } from './http/dashboard-cache.js';
import { errorBody, validationError } from './http/errors.js';
import { BODY_METHODS, bodyGuard, pathCheck } from './http/input-guards.js';
import { errorResponder, requestContext, securityHeaders } from './http/middleware.js';
import { registerMailRoutes } from './mail/routes.js';
import { registerMetricsRoutes } from './metrics/routes.js';
import { registerMightyCallRoutes } from './mightycall/http/routes.js';
import { webhookFastPath } from './mightycall/http/webhook-routes.js';
import { registerMemberRoutes } from './orgs/member-routes.js';
import { registerOrgRoutes } from './orgs/routes.js';
import { registerPhoneNumberRoutes } from './phone-numbers/routes.js';
import { registerPortfolioRoutes } from './portfolio/routes.js';
import { registerReportRoutes } from './reports/routes.js';
import { registerUserRoutes } from './users/routes.js';
import { registerWebApp } from './web-app/routes.js';

const IMPORT_PATH = '/api/admin/calls/import';

export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
  // Outermost: an answer given before its body had all arrived waits for the rest, or closes the connection.
  app.use('*', settleUnreadBodies());
  app.use('*', deps.telemetry.middleware());
  app.use('*', requestContext(deps.logger));
  app.use('*', securityHeaders({ trustedProxies: deps.config.auth.trustedProxies }));
  // Webhooks skip the generic input middleware below: they read their body once, under the same rules.
  app.use('/api/webhooks/mightycall/*', webhookFastPath(deps));
  app.use('*', cors(deps.config.corsOrigins));
  app.use('/api/*', dropDashboardCacheOnWrites(deps.dashboard));
  // Bodies are small everywhere but the call import, which takes whole files.
  // Only requests that may carry a body: looking for one makes @hono/node-server build the full web Request
  // (an AbortSignal and its listeners per request). The call import streams its body and applies the limit and
  // the body rules itself (calls/routes.ts).
  const defaultLimit = bodyLimit(deps.config.maxBodyBytes);
  const guard = bodyGuard();
  app.use('/api/*', (c, next) =>
    !BODY_METHODS.has(c.req.method) || c.req.path === IMPORT_PATH
      ? next()
      : defaultLimit(c, async () => {
          await guard(c, next);
        }),
  );
  app.use('/api/*', pathCheck());
  app.use('/s/*', pathCheck());
  // Query parameters are checked per route, after authorization (http/route.ts).

  registerHealthRoutes(app, deps);
  registerReadyRoute(app, deps);
  registerMetricsEndpoint(app, deps);
  registerDocsRoutes(app);
  registerAuthRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerOrgRoutes(app, deps);
  registerMemberRoutes(app, deps);
  registerUserRoutes(app, deps);
  registerApiKeyRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerMailRoutes(app, deps);
  registerMetricsRoutes(app, deps);
  registerCallRoutes(app, deps);
  registerPhoneNumberRoutes(app, deps);
  registerMightyCallRoutes(app, deps);
  registerPortfolioRoutes(app, deps);
  registerAlertRoutes(app, deps);
  registerReportRoutes(app, deps);
  // Last: its SPA fallback answers every GET no route above claimed (never /api or /health).
  registerWebApp(app);

  app.notFound((c) =>
    c.json(errorBody('route_not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404),
  );
  app.onError(errorResponder(deps.logger));
  return app;
}
