#!/usr/bin/env node
// The `cluster-lab` command: runs the built CLI (out/cli/cluster-lab.mjs: one bundle, built by `npm run build`, which npm install and npm pack run).
import { existsSync } from 'node:fs';

const entry = new URL('../../out/cli/cluster-lab.mjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('cluster-lab is not built yet: run `npm run build` in the Cluster Lab checkout.\n');
  process.exit(1);
}
await import(entry.href);
