// `npm start`: the desktop app where Electron can run; browser mode where it cannot (a machine
// that cannot download the Electron binary, or a headless host), so the command always shows the app.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

const run = (file, args) => {
  const child = spawn(file, args, { stdio: 'inherit', cwd: root });
  // On Windows, Ctrl-C in the console already reaches the child, which shares it; child.kill() there
  // is TerminateProcess (Node's docs, subprocess.kill), which would skip the app's quit guard. So
  // the parent only waits. Elsewhere a signal sent to this process alone is passed on (SIGHUP too:
  // browser mode cancels its jobs on it).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(signal, () => {
      if (process.platform !== 'win32') child.kill(signal);
    });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
};

/**
 * The Electron executable, downloading it first if the package has not yet. The electron package's
 * own index.js downloads with inherited output, so a closed network would print @electron/get's
 * stack trace; here its output is kept and only the reason is said, on one line.
 */
function findElectron() {
  const dir = path.dirname(require.resolve('electron/package.json'));
  const pathFile = path.join(dir, 'path.txt');
  const present = () => existsSync(pathFile) && existsSync(path.join(dir, 'dist', readFileSync(pathFile, 'utf8')));
  if (!present()) {
    const install = spawnSync(process.execPath, [path.join(dir, 'install.js')], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (install.status !== 0 || !present()) {
      const output = `${install.stdout ?? ''}\n${install.stderr ?? ''}`;
      const reason = /^\s*(?:\w*Error: )?(.+)$/m.exec(output.split('\n').find((line) => /Error\b/.test(line)) ?? '')?.[1];
      return { electron: null, why: `the Electron binary could not be downloaded${reason ? ` (${reason.trim()})` : ''}` };
    }
  }
  return { electron: require('electron'), why: null };
}

const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const { electron, why } = findElectron();

if (electron && !headless) {
  run(electron, ['.', ...process.argv.slice(2)]);
} else {
  process.stderr.write(`Cluster Lab: ${why ?? 'there is no display'}; starting browser mode instead.\n`);
  run(process.execPath, [fileURLToPath(new URL('../out/main/web.js', import.meta.url)), ...process.argv.slice(2)]);
}
