// Registers the MightyCall HTTP surface: admin connections, the webhook receiver and the live view.
import type { App, AppDeps } from '../../http/context.js';
import { registerMightyCallAdminRoutes } from './admin-routes.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerMightyCallWebhookRoutes } from './webhook-routes.js';

export function registerMightyCallRoutes(app: App, deps: AppDeps): void {
  registerMightyCallAdminRoutes(app, deps);
  registerMightyCallWebhookRoutes(app, deps);
  registerLiveRoutes(app, deps);
}
