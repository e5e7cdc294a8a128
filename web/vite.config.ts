// The dashboard's build: React (JSX through esbuild, no plugin needed) into static files under dist/web, which
// `suanli serve` serves at `/`. In development, `npx vite web` proxies /api to a running `suanli serve`.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    // No inline scripts: the server's Content-Security-Policy allows scripts from 'self' only.
    modulePreload: { polyfill: false },
  },
  // `DASHBOARD_API_URL=http://127.0.0.1:8181 npx vite --config web/vite.config.ts` points the dev server elsewhere.
  server: { proxy: { '/api': process.env.DASHBOARD_API_URL ?? 'http://127.0.0.1:8080' } },
});
