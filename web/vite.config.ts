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
