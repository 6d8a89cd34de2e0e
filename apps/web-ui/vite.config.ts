import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Static build into dist/public/ (served by apps/venue). Dev server proxies the venue's APIs.
const venue = process.env.VENUE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: { outDir: 'dist/public', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 400 },
  server: {
    proxy: {
      '/api': venue,
      '/fix': { target: venue.replace(/^http/, 'ws'), ws: true },
      '/md': { target: venue.replace(/^http/, 'ws'), ws: true },
    },
  },
});
