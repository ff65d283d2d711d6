import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const root = import.meta.dirname;

export default defineConfig({
  main: {
    define: { __APP_VERSION__: JSON.stringify(pkg.version) },
    build: {
      outDir: 'out/main',
      // The packaged app carries only what runs: dependencies are bundled and tree-shaken, so
      // the asar holds no node_modules (kubernetes-models alone is ~2,000 files for two classes).
      externalizeDeps: false,
      // One bundle per shell, all over the same services: the Electron app and browser mode. The
      // CLI is built on its own, as one file outside the asar (electron/cli/vite.config.ts).
      rollupOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          web: resolve(root, 'electron/web/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only electron itself: bundle everything else, as CommonJS.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    // Help → About shows the version the CLI and main report.
    define: { __APP_VERSION__: JSON.stringify(pkg.version) },
    build: {
      outDir: resolve(root, 'out/renderer'),
      // electron-vite leaves bundles unminified; the page is what start-up time is made of.
      minify: true,
      rollupOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
