import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The edge serves dist/ (EDGE_STATIC_DIR); in `npm run dev` Vite proxies the API to a running
// stack (EDGE_URL, default http://127.0.0.1:8080).
const edge = process.env.EDGE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    // Every browser that runs es2020 modules knows <link rel="modulepreload">: no polyfill in the
    // entry chunk.
    modulePreload: { polyfill: false },
    // No manual chunks: the entry chunk keeps React, the router and i18next. The edge speaks
    // HTTP/1.1, so a vendor chunk beside it costs the sign-in page another connection before it
    // can render (Lighthouse's slow-4G model scored /login 70-71 with one, 80-89 without); and
    // a manual chunk for react-hook-form would take React along (Rollup puts a manual chunk's
    // dependencies in it), making the sign-in page fetch it. Everything else is split per route
    // (src/App.tsx).
  },
  server: {
    proxy: {
      '/api': edge,
      '/ws': { target: edge.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
