// Vite build of the web app into web/dist; in dev (`npm run dev -w web`) /api and /health go to the server on :3000.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './vite-precompress';

const server = 'http://localhost:3000';

export default defineConfig({
  plugins: [react(), precompress()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, assetsDir: 'assets' },
  server: { proxy: { '/api': server, '/health': server } },
});
