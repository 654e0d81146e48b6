// The web UI: built into dist/ui (served by the agent at /), tested with vitest in happy-dom.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  // `npx vite --config ui/vite.config.ts` serves the UI with hot reload against a running agent.
  server: { proxy: { '/api': process.env.CAPSTAN_SERVER ?? 'http://127.0.0.1:8080' } },
  build: { outDir: '../dist/ui', emptyOutDir: true, sourcemap: false, target: 'es2022' },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
  },
});
