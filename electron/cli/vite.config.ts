/**
 * The CLI as one self-contained file, out/cli/cluster-lab.mjs: every dependency bundled, no shared
 * chunks. It is what `npm install -g` runs (with the user's Node) and what the installed app runs
 * from outside its asar (with its own executable in run-as-node mode, as VS Code's `code` does).
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };

export default defineConfig({
  root,
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warn',
  build: {
    outDir: 'out/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    ssr: resolve(root, 'electron/cli/entry.ts'),
    rollupOptions: {
      external: [...builtinModules, ...builtinModules.map((name) => `node:${name}`)],
      output: {
        format: 'esm',
        entryFileNames: 'cluster-lab.mjs',
        // Bundled CommonJS dependencies (systeminformation, yaml) call require(): give them Node's.
        banner: "import { createRequire as __clusterLabRequire } from 'node:module'; const require = __clusterLabRequire(import.meta.url);",
      },
    },
  },
  ssr: { noExternal: true, target: 'node' },
});
