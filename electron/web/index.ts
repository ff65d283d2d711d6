/** `npm run web`: the app's services behind a loopback-only browser host. */
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

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await services.dispose();
  await host.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
