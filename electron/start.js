// `npm start`: the desktop app where Electron can run; browser mode where it cannot (a machine
// that cannot download the Electron binary, or a headless host), so the command always shows the app.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (file, args) => {
  const child = spawn(file, args, { stdio: 'inherit', cwd: root });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
};

let electron = null;
try {
  // The electron package downloads its binary on first use; this is where that happens.
  electron = createRequire(import.meta.url)('electron');
} catch {
  // the download failed and said why above
}
const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;

if (electron && !headless) {
  run(electron, ['.', ...process.argv.slice(2)]);
} else {
  const why = electron ? 'there is no display' : 'the Electron binary could not be downloaded';
  process.stderr.write(`Cluster Lab: ${why}; starting browser mode instead.\n`);
  run(process.execPath, [fileURLToPath(new URL('../out/main/web.js', import.meta.url)), ...process.argv.slice(2)]);
}
