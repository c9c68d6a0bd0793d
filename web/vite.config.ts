import { defineConfig } from 'vite';

// Node's process, declared here so the config type-checks without @types/node.
declare const process: { env: Record<string, string | undefined> };

// `npm run dev` proxies /api to a running certadns (CERTADNS_URL, default the `make run` one).
const target = process.env.CERTADNS_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // React's automatic JSX runtime through esbuild: no plugin needed.
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    // The CSP allows no inline script: keep Vite from adding one.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // lucide-react marks its modules "use client" (for React Server Components): harmless here.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { '/api': { target, changeOrigin: false } },
  },
});
