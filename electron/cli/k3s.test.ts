import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loopbackServer } from '../../fixtures/loopbackServer';
import { tempDirs } from '../../fixtures/tmp';
import type { CommandIo } from './command';
import { main } from './index';
import { jsonOut } from './jsonShapes.testing';
import { seedLab } from '../../shared/render/testing';

const tempDir = tempDirs('cli-k3s');
const VERSION = 'v1.33.1+k3s1';
const binary = Buffer.alloc(32 * 1024, 7);
const files = new Map<string, Buffer>([
  ['k3s', binary],
  ['k3s-airgap-images-amd64.tar.zst', Buffer.from('images')],
]);
files.set(
  'sha256sum-amd64.txt',
  Buffer.from([...files].map(([name, data]) => `${createHash('sha256').update(data).digest('hex')}  ${name}\n`).join('')),
);

/** When set, the binary's first request sends half and then nothing. */
let stallOnce = false;

const served = loopbackServer((req, res) => {
  if (req.url === '/channels/stable') return void res.writeHead(302, { location: `/k3s-io/k3s/releases/tag/${encodeURIComponent(VERSION)}` }).end();
  if (req.url === '/install.sh') return void res.end('#!/bin/sh\n');
  const name = req.url!.replace(`/releases/${encodeURIComponent(VERSION)}/`, '');
  const data = files.get(name);
  if (!data) return void res.writeHead(404).end();
  const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
  if (name === 'k3s' && stallOnce) {
    stallOnce = false;
    res.writeHead(200, { 'content-length': data.length });
    return void res.write(data.subarray(0, data.length / 2));
  }
  if (from > 0) res.writeHead(206, { 'content-range': `bytes ${from}-${data.length - 1}/${data.length}` });
  res.end(data.subarray(from));
});

async function run(argv: string[], cache: string, onErr?: (text: string, interrupt: (s: NodeJS.Signals) => void) => void) {
  let out = '';
  let err = '';
  let handler: ((signal: NodeJS.Signals) => void) | null = null;
  const io: CommandIo = {
    out: (t) => void (out += t),
    err: (t) => {
      err += t;
      onErr?.(t, (s) => handler?.(s));
    },
    onInterrupt: (h) => {
      handler = h;
      return () => void (handler = null);
    },
  };
  const env = {
    XDG_CACHE_HOME: cache,
    XDG_CONFIG_HOME: path.join(cache, 'config'),
    CLUSTER_LAB_K3S_RELEASES: `${served.base}/releases`,
    CLUSTER_LAB_K3S_INSTALL_SCRIPT: `${served.base}/install.sh`,
    CLUSTER_LAB_K3S_CHANNELS: `${served.base}/channels`,
  };
  const code = await main(['k3s', ...argv], io, { env, platform: 'linux', homeDir: path.join(cache, 'home') });
  return { code, out, err };
}

describe('cluster-lab k3s', () => {
  it('fetch --channel resolves and fetches with progress on stderr; list --json shows it verified; a second fetch downloads nothing', async () => {
    const cache = await tempDir();
    const fetched = await run(['fetch', '--channel', 'stable'], cache);
    expect(fetched).toMatchObject({ code: 0 });
    expect(fetched.err).toContain(`Channel stable is ${VERSION}.`);
    expect(fetched.err).toMatch(/^k3s: 32\.0 KiB of 32\.0 KiB, .*\/s$/m);
    expect(fetched.out).toContain(`Fetched ${VERSION}`);

    const list = await run(['list', '--json'], cache);
    const doc = jsonOut<{ cacheDir: string; versions: { version: string; files: { name: string; verified: boolean | null }[] }[] }>(
      'k3s-list',
      list.out,
    );
    expect(doc.cacheDir).toBe(path.join(cache, 'cluster-lab', 'k3s'));
    expect(doc.versions.map((v) => v.version)).toEqual([VERSION]);
    expect(doc.versions[0]!.files.find((f) => f.name === 'k3s')!.verified).toBe(true);

    expect((await run(['fetch', '--version', VERSION], cache)).out).toBe(
      `${VERSION} is already in ${path.join(cache, 'cluster-lab', 'k3s', VERSION)}.\n`,
    );
  });

  it('Ctrl-C cancels cleanly: exit 130, only the .part left, and the next fetch resumes it', async () => {
    const cache = await tempDir();
    stallOnce = true;
    const cancelled = await run(
      ['fetch', '--version', VERSION, '--no-images'],
      cache,
      (text, interrupt) => text.startsWith('k3s:') && interrupt('SIGINT'),
    );
    expect(cancelled.code).toBe(130);
    expect(cancelled.err).toContain('the next fetch resumes it');
    const dir = path.join(cache, 'cluster-lab', 'k3s', VERSION);
    expect((await readdir(dir)).filter((n) => n.startsWith('k3s'))).toEqual(['k3s.part']);
    expect((await run(['fetch', '--version', VERSION, '--no-images'], cache)).code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['install.sh', 'k3s', 'sha256sum-amd64.txt']);
  });

  it('list exits 1 naming a file that no longer matches; prune keeps the newest', async () => {
    const cache = await tempDir();
    const root = path.join(cache, 'cluster-lab', 'k3s');
    for (const version of ['v1.32.5+k3s1', VERSION]) {
      await mkdir(path.join(root, version), { recursive: true });
      await writeFile(path.join(root, version, 'sha256sum-amd64.txt'), files.get('sha256sum-amd64.txt')!);
      await writeFile(path.join(root, version, 'k3s'), version === VERSION ? binary : 'tampered');
    }
    const list = await run(['list'], cache);
    expect(list.code).toBe(1);
    expect(list.out).toMatch(/v1\.32\.5\+k3s1[^]*k3s +8 B +DOES NOT MATCH its checksum/);
    expect((await run(['prune', '--keep', '1'], cache)).out).toBe(`Removed v1.32.5+k3s1 from ${root}.\n`);
    expect(await readdir(root)).toEqual([VERSION]);
  });

  it('prune keeps a release a lab installs over a newer one, and never keeps what a failed fetch left', async () => {
    const cache = await tempDir();
    const root = path.join(cache, 'cluster-lab', 'k3s');
    expect((await run(['fetch', '--version', VERSION, '--no-images'], cache)).code).toBe(0);
    const newer = 'v1.34.0+k3s1';
    await mkdir(path.join(root, newer));
    await writeFile(path.join(root, newer, 'sha256sum-amd64.txt'), `${createHash('sha256').update(binary).digest('hex')}  k3s\n`);
    await writeFile(path.join(root, newer, 'k3s'), binary);
    await writeFile(path.join(root, newer, 'install.sh'), '#!/bin/sh\n');
    // A typo: the server has no such release, and nothing of it stays to be taken for a version.
    expect((await run(['fetch', '--version', 'v9.9.9+k3s1'], cache)).code).toBe(1);
    expect((await readdir(root)).sort()).toEqual([VERSION, newer]);
    // Lab alpha in ~/ClusterLab installs the older release.
    const alpha = path.join(cache, 'home', 'ClusterLab', 'alpha');
    await mkdir(alpha, { recursive: true });
    await writeFile(path.join(alpha, 'lab.json'), JSON.stringify({ ...seedLab(), name: 'alpha', k3s: { source: 'version', value: VERSION } }));
    const pruned = await run(['prune', '--keep', '0'], cache);
    expect(pruned.out).toBe(`Removed ${newer} from ${root}.\nKept ${VERSION}: lab alpha installs it.\n`);
    expect(await readdir(root)).toEqual([VERSION]);
  });

  it('bad input is exit 2 naming the flag', async () => {
    const cache = await tempDir();
    expect(await run(['fetch', '--version', VERSION, '--arch', 'riscv64', '--json'], cache)).toMatchObject({ code: 2 });
    expect((await run(['fetch'], cache)).err).toContain('give one of --version');
    expect((await run(['prune', '--keep', 'x'], cache)).err).toContain("--keep must be a whole number (0 or more), not 'x'.");
    expect((await run(['fetch', '--version', 'latest'], cache)).err).toContain("'latest' is not a k3s version.");
    expect((await run(['frob'], cache)).err).toContain("unknown k3s command 'frob'");
  });
});
