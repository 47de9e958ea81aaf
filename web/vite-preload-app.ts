// Build step: the entry (src/main.tsx) is small and imports the app (src/start-app.tsx) only once it has sent the
// first screen's requests; a modulepreload link for the app's chunks lets the browser fetch them alongside the entry
// rather than one after the other.
import type { Plugin } from 'vite';

const APP = '/src/start-app.tsx';

export function preloadApp(): Plugin {
  return {
    name: 'victorysync-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const chunks = Object.values(ctx.bundle ?? {}).filter((c) => c.type === 'chunk');
        const app = chunks.find((c) => c.facadeModuleId?.endsWith(APP));
        if (!app) throw new Error(`preloadApp: no chunk for ${APP} in the build`);
        const entries = new Set(chunks.filter((c) => c.isEntry).map((c) => c.fileName));
        return [app.fileName, ...app.imports]
          .filter((file) => !entries.has(file) && !html.includes(`/${file}`))
          .map((file) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: '', href: `/${file}` },
            injectTo: 'head' as const,
          }));
      },
    },
  };
}
