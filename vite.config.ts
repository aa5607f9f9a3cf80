/**
 * Vite build of the renderer (renderer/ → dist/renderer). The output is loaded by Electron from
 * its app:// protocol and by the browser host from 127.0.0.1, both under a CSP of
 * `default-src 'self'` without 'unsafe-eval': so relative asset URLs (base './'), no inline
 * script, no eval, and nothing fetched from another origin (fonts are bundled files).
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./renderer', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  // Keep Vite's cache out of node_modules/.vite, which other builds share.
  cacheDir: fileURLToPath(new URL('./node_modules/.vite-renderer', import.meta.url)),
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Inlined assets would be data: URLs, which a strict img-src/font-src would refuse.
    assetsInlineLimit: 0,
    // The modulepreload polyfill is not needed (Chromium supports modulepreload) and would be code
    // the CSP has to allow for nothing.
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
    strictPort: false,
  },
});
