/** `npm run web`: the app's services behind a loopback-only browser host. */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readNetworkFactsOffThread } from '../offThread';
import { createServices } from '../services';
import { createContext } from '../services/context';
import { startWebHost } from './server';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, help: { type: 'boolean', default: false } },
  allowPositionals: false,
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run web -- [--port N]\nServes Cluster Lab on http://127.0.0.1 only; open the printed URL (it carries the access token).\n',
  );
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a whole number from 0 to 65535 (0 picks a free port), not "${values.port}".\n`);
  process.exit(2);
}

const services = createServices(createContext({ readNetworkFacts: readNetworkFactsOffThread }));
const host = await startWebHost({ services, port, staticDir: fileURLToPath(new URL('../renderer', import.meta.url)) });
process.stdout.write(
  `Cluster Lab (browser mode) is running at:\n  ${host.url}\nOnly this machine can reach it; through SSH use: ssh -L ${host.port}:127.0.0.1:${host.port} <host>\nPress Ctrl-C to stop.\n`,
);

// A closed terminal (SIGHUP) must not kill the host with EIO while it stops its jobs.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

// Ctrl-C, SIGTERM and SIGHUP (a closed terminal, a dropped SSH session) stop every running job as
// Cancel does (Vagrant gets Ctrl-C first); the host exits only when their processes are gone, with
// the shell's code for the signal (128 + its number).
let stopping = false;
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  await services.dispose();
  await host.close();
  process.exit(128 + os.constants.signals[signal]);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, (received: NodeJS.Signals) => void stop(received));
