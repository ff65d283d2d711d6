/**
 * `npm run bench [-- --lines N]`: what the user feels, measured the same way every time on the real
 * pipeline (browser mode, Debian Chromium, the real host and renderer). It prints figures and writes
 * bench-results.json; it asserts nothing about time.
 */
import { chromium } from '@playwright/test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeLab } from '../../electron/services/labFolder';
import type { LabConfig } from '../../shared/lab/schema';
import { seedLab } from '../../shared/render/testing';
import { seedBridgeEnv } from '../../fixtures/env';
import { listenRelease, standInRelease } from '../../fixtures/k3sRelease';
import { chromiumLaunchOptions } from '../fixtures/chromium';
import { fakeBinDir, repoRoot, startBrowserHost, stopBrowserHost } from '../fixtures/host';
import { cleanUp, cleanUpOnSignals, onCleanUp } from './cleanup';
import { table } from './figures';
import { benchK3sFetch, startReleaseServer } from './k3sFetch';
import { benchLabUp } from './labUp';
import { benchLogStream } from './logStream';
import { benchDetect, benchRender } from './services';
import { benchStartup } from './startup';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '200000' } } });
const lines = Number(values.lines);
if (!Number.isInteger(lines) || lines < 1) {
  process.stderr.write(`--lines must be a whole number above 0, not "${values.lines}".\n`);
  process.exit(2);
}

cleanUpOnSignals();
const home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-bench-'));
onCleanUp(() => rm(home, { recursive: true, force: true }));
// The log stream's Provision begins with Up's k3s step: a release of a few bytes, from loopback, so
// that step costs the measurement next to nothing and never reaches GitHub.
const smallRelease = await listenRelease(standInRelease());
onCleanUp(() => smallRelease.close());
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, '.config'),
  KUBECONFIG: path.join(home, '.kube', 'config'),
  PATH: `${fakeBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
  VAGRANT_CHECKPOINT_DISABLE: '1',
  FAKE_VAGRANT_DELAY_MS: '0',
  FAKE_VAGRANT_LINES: String(lines),
  // The lab bridges the seed's wlp5s0: the fake VBoxManage lists it, up, whatever this machine's
  // own interfaces are called, so the bridge preflight lets Provision run here too.
  ...seedBridgeEnv(),
  ...smallRelease.env,
};

try {
  // A written lab of one machine that the fake vagrant takes for running, so `provision` is one
  // child pouring the lines, as the bare reader's is.
  const dir = path.join(home, 'lab');
  const lab: LabConfig = { ...seedLab(), agents: [] };
  await writeLab(dir, lab);
  for (const name of ['server', ...lab.agents.map((a) => a.name)]) {
    await mkdir(path.join(dir, '.vagrant', 'machines', name), { recursive: true });
    await writeFile(path.join(dir, '.vagrant', 'machines', name, 'fake-state'), 'running');
  }

  const host = await startBrowserHost(env);
  onCleanUp(() => stopBrowserHost(host.child));
  // Playwright's own signal handlers would close Chromium and exit before the host is stopped.
  const browser = await chromium.launch({
    ...chromiumLaunchOptions,
    timeout: 180_000,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  onCleanUp(() => browser.close());
  // On a fresh machine Chromium's first page builds its caches (fonts, the profile) and can take
  // longer than Playwright's 30 s: it is waited for once, generously, and not measured.
  const warm = await browser.newPage();
  warm.setDefaultTimeout(180_000);
  await warm.goto(host.url);
  await warm.locator('main [data-step-heading]').waitFor();
  await warm.close();
  process.stdout.write(`Cluster Lab benchmark: ${lines.toLocaleString('en')} log lines, ${os.cpus().length} CPUs\n`);
  const logStream = await benchLogStream(browser, host.url, host.child.pid!, dir, env, lines);
  const startup = await benchStartup(browser, host.url);
  const detect = await benchDetect();
  const render = await benchRender();
  // Up's k3s step fetches from this loopback stand-in, into one cache for both of labUp's Ups.
  const k3sServer = await startReleaseServer();
  const labUp = await benchLabUp(fakeBinDir, { env: { ...k3sServer.env, XDG_CACHE_HOME: path.join(home, 'k3s-cache') }, sent: k3sServer.sent });
  const k3sFetch = await benchK3sFetch(k3sServer, labUp);
  const results = { logStream, startup, detect, render, labUp, k3sFetch };

  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  process.stdout.write(
    `${table([
      ['log: ms to first line in view', logStream.msToFirstLine, ''],
      ['log: ms to last line in view', logStream.msToLastLine, ''],
      ['log: raw pipe ms (bare Node reader)', logStream.rawMs, ''],
      ['log: ratio', logStream.ratio, 'target < 3'],
      ['log: lines lost in view', logStream.lostInView, 'target 0'],
      ['log: lines lost in file', logStream.lostInFile, 'target 0 (file = child output, byte for byte)'],
      ['log: longest renderer task ms', logStream.longestTaskMs, 'target < 50 (0: no task reached the 50 ms long-task mark)'],
      ['log: renderer JS heap MB', logStream.rendererHeapMB, 'target flat in N'],
      ['log: main-process RSS MB', logStream.mainRssMB, ''],
      ['start-up: ms to interactive (median of 5)', startup.msToInteractive, 'target < 500'],
      ['start-up: bundle', kb(startup.bundleBytes), ''],
      ['start-up: bundle gzip', kb(startup.bundleGzipBytes), 'target < 400 KB'],
      ['detect: NICs + plan ms (median of 20)', detect.medianMs, ''],
      ['render: 9-agent lab + validation ms (median of 100)', render.medianMs, ''],
      [`up: ${labUp.machines} machines, ${labUp.machineMs} ms each: wall ms`, labUp.wallMs, ''],
      ['up: critical path ms (server, then the slowest agent)', labUp.criticalPathMs, ''],
      ['up: one machine at a time, wall ms', labUp.sequentialMs, ''],
      ['up: ratio wall / critical path', labUp.ratio, 'target <= 1.5'],
      [`k3s: host download for Up of ${k3sFetch.machines} machines`, mib(k3sFetch.upDownloadBytes), `release ${mib(k3sFetch.releaseBytes)}, once`],
      ['k3s: host download for the next Up', mib(k3sFetch.nextUpDownloadBytes), 'target 0 (the cache has it)'],
      [`k3s: before, each node for itself (x${k3sFetch.machines})`, mib(k3sFetch.perNodeTotalBytes), ''],
      ['k3s: saved (before / host download)', k3sFetch.saved, `target ${k3sFetch.machines} (one download for ${k3sFetch.machines} machines)`],
      ['k3s: fetch MiB/s (download, sha256, into the cache)', k3sFetch.fetchMiBps, ''],
      ['k3s: bare HTTP read MiB/s (same files, loopback)', k3sFetch.bareReadMiBps, ''],
      ['k3s: ratio bare / fetch', k3sFetch.ratio, ''],
    ])}\n`,
  );
  await writeFile(path.join(repoRoot, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write('Wrote bench-results.json\n');
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
