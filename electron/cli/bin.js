#!/usr/bin/env node
// The `cluster-lab` command: runs the built CLI (npm install builds it through the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../../out/main/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('cluster-lab is not built yet: run `npm run build` in the Cluster Lab checkout.\n');
  process.exit(1);
}
await import(entry.href);
