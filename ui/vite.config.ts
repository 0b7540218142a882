/**
 * Builds the web explorer into dist/ui/, which the bridge serves (ui/README.md). Everything the page loads is in
 * that folder: no CDN, no web fonts, no telemetry. react-json-view-lite is a React component; preact/compat stands
 * in for React so it costs no second framework.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  resolve: {
    alias: {
      react: 'preact/compat',
      'react-dom': 'preact/compat',
      'react/jsx-runtime': 'preact/jsx-runtime',
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/ui'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One small app: a single JS and CSS file load faster than chunks over one local connection.
    modulePreload: false,
    reportCompressedSize: true,
  },
  server: {
    // `npm run ui:dev` proxies the API to a bridge started separately on the default port.
    proxy: { '/api': 'http://127.0.0.1:4318' },
  },
});
