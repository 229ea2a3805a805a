import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The web console: a static bundle (no CDN, no runtime fetches but the Events API) that `evp api`
 * serves under /console/. `npm run build` writes it to dist/console.
 */
export default defineConfig({
  root: here,
  base: '/console/',
  // Preact's automatic JSX runtime, without a framework plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.join(here, '..', 'dist', 'console'),
    emptyOutDir: true,
    target: 'es2022',
    // Everything in one small bundle: the console is loaded once and is used for long.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  // `npm run dev:console`: the console with live reload, its API calls sent to a running `evp api`.
  server: { proxy: { '/api': `http://127.0.0.1:${process.env['API_PORT'] ?? '3000'}` } },
  logLevel: 'warn',
});
