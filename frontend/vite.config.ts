/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API to a running server (FLEETGRAPH_URL, default the README's
// address), so the app and the API share one origin as they do when the server serves the app.
const api = process.env.FLEETGRAPH_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/graphql/ws': { target: api.replace(/^http/, 'ws'), ws: true },
      '/graphql': { target: api },
    },
  },
  // GraphiQL's Monaco workers are split into chunks, which only ES-module workers allow.
  worker: { format: 'es' },
  build: {
    // The playground (GraphiQL with its Monaco editor) is a route of its own, loaded on demand;
    // only it exceeds the default warning size.
    chunkSizeWarningLimit: 4096,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
