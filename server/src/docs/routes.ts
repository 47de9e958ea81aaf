// The OpenAPI document (/api/openapi.json) and interactive docs (/api/docs), served without any CDN.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { App } from '../http/context.js';

const require = createRequire(import.meta.url);
const ASSETS = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
]);

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VictorySync API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
<link rel="stylesheet" href="/api/docs/assets/accessible.css"></head>
<body><div id="docs"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#docs', deepLinking: false,
  persistAuthorization: false, requestInterceptor: function (r) { r.credentials = 'same-origin'; return r; } });`;

export function registerDocsRoutes(app: App): void {
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'VictorySync API',
      version: '1.0.0',
      description:
        'Call-center analytics across many client organizations. Authenticate with the session cookie from ' +
        '`POST /api/auth/login`, or an API key as `Authorization: Bearer <key>` or `x-api-key: <key>`.',
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'vs_session',
  });

  const distDir = dirname(require.resolve('swagger-ui-dist/package.json'));
  app.get('/api/docs', (c) => c.html(PAGE));
  // Swagger UI's own colours fall short of WCAG AA contrast: darker ones, from our stylesheet.
  const accessibleCss = new URL('./swagger-accessible.css', import.meta.url);
  app.get('/api/docs/assets/accessible.css', async (c) =>
    c.body(await readFile(accessibleCss), 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=86400',
    }),
  );
  app.get('/api/docs/assets/init.js', (c) => c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/api/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS.get(file);
    if (!type) return c.notFound();
    const body = await readFile(join(distDir, file));
    return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
