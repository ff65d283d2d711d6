/**
 * What a user installs, built here: `electron-builder --linux dir` over a stand-in Electron (Node with
 * Electron's fuse wire), and the npm tarball installed globally. The other targets (AppImage, deb,
 * dmg, nsis) need downloads; electron/main/packaging.test.ts holds their config to the schema.
 */
import { listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { test, expect } from '@playwright/test';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, symlink, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeElectronDist } from '../fixtures/electronDist';
import { repoRoot } from './fixtures/host';

const run = promisify(execFile);
// A fuse is the byte '1' or '0' on the wire (@electron/fuses FuseState.ENABLE / DISABLE).
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);
const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const bin = (name: string) => path.join(repoRoot, 'node_modules/.bin', name);

/** A PATH holding only what the sh launcher itself calls, so no `node` can be found on it. */
async function pathWithoutNode(dir: string): Promise<string> {
  await mkdir(dir);
  for (const tool of ['sh', 'dirname', 'readlink']) {
    const { stdout } = await run('sh', ['-c', `command -v ${tool}`]);
    await symlink(stdout.trim(), path.join(dir, tool));
  }
  return dir;
}

test.describe('the packaged app', () => {
  test.describe.configure({ timeout: 180_000 });
  let work: string;
  let app: string;

  test.beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'cluster-lab-package-'));
    const dist = await makeElectronDist(path.join(work, 'electron-dist'), pkg.devDependencies.electron!);
    await run(bin('electron-builder'), ['--linux', 'dir', `-c.electronDist=${dist}`, `-c.directories.output=${path.join(work, 'dist')}`], {
      cwd: repoRoot,
      env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
      maxBuffer: 16 * 1024 * 1024,
    });
    app = path.join(work, 'dist/linux-unpacked');
  });
  test.afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('app.asar holds only the bundles that run, within 5 MiB', async () => {
    const asar = path.join(app, 'resources/app.asar');
    const files = listPackage(asar, { isPack: false }).map((file) => file.replaceAll('\\', '/'));
    // 4.2 MiB: the bundles (unminified, so a stack trace in a log reads as the source), of which ~1 MiB
    // is undici, k3s's downloads through a proxy (issue 24). node_modules copied in would be far more.
    expect((await stat(asar)).size).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(files).toContain('/out/main/index.js');
    expect(files).toContain('/out/preload/index.cjs');
    expect(files).toContain('/out/renderer/index.html');
    expect(files.filter((file) => /node_modules|\.map$|\.test\.|\.tsx?$|\/fixtures\//.test(file))).toEqual([]);
    expect(files.filter((file) => !/^\/(out(\/|$)|package\.json$)/.test(file))).toEqual([]);
  });

  test('the NIC worker sits beside the asar as a real file, and runs there', async () => {
    const chunks = path.join(app, 'resources/app.asar.unpacked/out/main/chunks');
    const [worker] = (await readdir(chunks)).filter((file) => file.startsWith('networkWorker-'));
    expect(worker).toBeDefined();
    const script = `const { Worker } = require('node:worker_threads'); new Worker(process.argv[1]).once('message', (facts) => { console.log(JSON.stringify(facts.interfaces.map((i) => i.iface))); process.exit(0); });`;
    const { stdout } = await run(process.execPath, ['-e', script, path.join(chunks, worker!)]);
    expect(JSON.parse(stdout)).toContain('lo');
  });

  test('the fuses are flipped: no NODE_OPTIONS, no --inspect, app.asar only, no file:// privileges; RunAsNode kept for the CLI', async () => {
    const wire = await getCurrentFuseWire(path.join(app, 'cluster-lab'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(ON);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(ON);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(OFF);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(OFF);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(ON);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(ON);
    // On in Electron's own build (fixtures/electronDist.ts); the page comes from app://, not file://.
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(OFF);
  });

  test('resources/bin/cluster-lab runs the CLI with the app’s own executable, with no Node on PATH, through a symlink too', async () => {
    const PATH = await pathWithoutNode(path.join(work, 'path'));
    const launcher = path.join(app, 'resources/bin/cluster-lab');
    const env = { PATH, HOME: work };
    await expect(run('sh', ['-c', 'command -v node'], { env })).rejects.toThrow();
    expect((await run(launcher, ['--version'], { env })).stdout.trim()).toBe(pkg.version);
    // /usr/bin/cluster-lab is a symlink to the launcher in the deb; the launcher finds the app through it.
    const linked = path.join(work, 'usr-bin-cluster-lab');
    await symlink(launcher, linked);
    const doctor = await run(linked, ['doctor', '--json'], { env }).catch((error: { stdout: string; code: number }) => error);
    expect(JSON.parse(doctor.stdout)).toHaveProperty('tools.vagrant');
    expect(await readdir(path.join(app, 'resources/bin'))).toEqual(['cluster-lab']);
  });
});

test.describe('the npm package', () => {
  test.describe.configure({ timeout: 120_000 });

  test('npm pack, then npm install -g of the tarball, gives a cluster-lab that runs', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'cluster-lab-npm-'));
    try {
      const env = { ...process.env, npm_config_cache: path.join(work, 'cache'), npm_config_audit: 'false', npm_config_fund: 'false' };
      // --ignore-scripts: `npm test` built out/ already; pack takes it as it is. npm always packs
      // `main` (out/main/index.js); the command needs only bin.js and the CLI bundle.
      const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repoRoot, env });
      const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
      expect(packed!.files.map((file) => file.path).sort()).toEqual([
        'README.md',
        'electron/cli/bin.js',
        'out/cli/cluster-lab.mjs',
        'out/main/index.js',
        'package.json',
      ]);
      const prefix = path.join(work, 'global');
      await run('npm', ['install', '-g', '--offline', '--prefix', prefix, path.join(work, packed!.filename)], { env });
      const cli = path.join(prefix, 'bin/cluster-lab');
      expect((await run(cli, ['--version'], { env: { PATH: process.env.PATH, HOME: work } })).stdout.trim()).toBe(pkg.version);
      const doctor = await run(cli, ['doctor', '--json'], { env: { PATH: process.env.PATH, HOME: work } }).catch(
        (error: { stdout: string }) => error,
      );
      expect(JSON.parse(doctor.stdout)).toHaveProperty('tools.kubectl.found', true);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

test('npm start where Electron cannot be downloaded says so in one line, then serves browser mode', async () => {
  const home = await mkdtemp(path.join(tmpdir(), 'cluster-lab-start-'));
  const env = { ...process.env, HOME: home, DISPLAY: '', WAYLAND_DISPLAY: '' };
  const child = spawn(process.execPath, [path.join(repoRoot, 'electron/start.js'), '--port', '0'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('#token=')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`start.js exited with ${code}:\n${stdout}\n${stderr}`)));
    });
    expect(stderr).toMatch(
      /^Cluster Lab: (the Electron binary could not be downloaded( \(.+\))?|there is no display); starting browser mode instead\.\n$/,
    );
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    await rm(home, { recursive: true, force: true });
  }
});
