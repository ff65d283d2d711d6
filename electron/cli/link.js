// Run by `npm install` (prepare): npm links the bins of dependencies into node_modules/.bin but not
// the project's own, so `npx cluster-lab` from the checkout needs this link.
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const binDir = path.join(root, 'node_modules', '.bin');
const target = path.join(root, 'electron', 'cli', 'bin.js');
mkdirSync(binDir, { recursive: true });
chmodSync(target, 0o755);
if (process.platform === 'win32') {
  writeFileSync(path.join(binDir, 'cluster-lab.cmd'), `@node "${target}" %*\r\n`);
} else {
  const link = path.join(binDir, 'cluster-lab');
  rmSync(link, { force: true });
  symlinkSync(path.relative(binDir, target), link);
}
