import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// Built into the gateway's static resources and served at /app (see the gateway's AppRoutes).
export default defineConfig({
  base: '/app/',
  plugins: [preact()],
  build: {
    outDir: '../../../target/classes/static/app',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
