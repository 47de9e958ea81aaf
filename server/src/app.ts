// Builds the Hono app from the capability modules; no side effects at import.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { registerDocsRoutes } from './docs/routes.js';
import { registerHealthRoutes } from './health/routes.js';
import type { App, AppDeps, AppEnv } from './http/context.js';
import { errorBody, validationError } from './http/errors.js';
import { errorResponder, requestContext, securityHeaders } from './http/middleware.js';

export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
  app.use('*', requestContext(deps.logger));
  app.use('*', securityHeaders());
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: deps.config.maxBodyBytes,
      onError: (c) =>
        c.json(errorBody('payload_too_large', `Request bodies are limited to ${deps.config.maxBodyBytes} bytes.`), 413),
    }),
  );

  registerHealthRoutes(app, deps);
  registerDocsRoutes(app);

  app.notFound((c) =>
    c.json(errorBody('route_not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404),
  );
  app.onError(errorResponder(deps.logger));
  return app;
}
