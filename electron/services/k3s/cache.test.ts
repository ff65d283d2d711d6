import { createHash } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { loopbackServer } from '../../../fixtures/loopbackServer';
import { tempDirs } from '../../../fixtures/tmp';
import { compareK3sVersions, fetchRelease, k3sCacheDir, listCache, parseChecksums, pruneCache, resolveChannel } from './cache';
import { placeRelease } from './place';

const tempDir = tempDirs('k3s');
const VERSION = 'v1.33.1+k3s1';
const binary = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) % 251));
const images = Buffer.from('stand-in image archive\n'.repeat(100));
const install = Buffer.from('#!/bin/sh\necho recorder install.sh "$@"\n');
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const sums = (bin = binary) => `${sha(bin)}  k3s\n${sha(images)}  k3s-airgap-images-amd64.tar.zst\n${sha(Buffer.from('arm'))}  k3s-arm64\n`;

type Route = (req: IncomingMessage, res: ServerResponse) => void;
interface Seen {
  url: string;
  range: string | undefined;
  sent: number;
}

let routes: Map<string, Route>;
let seen: Seen[];

/** Serves `data`, honouring a `bytes=N-` Range with a 206 of the remainder, counting what it sends. */
const file =
  (data: Buffer, options: { ignoreRange?: boolean } = {}): Route =>
  (req, res) => {
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const body = options.ignoreRange ? data : data.subarray(from);
    if (from > 0 && !options.ignoreRange)
      res.writeHead(206, { 'content-range': `bytes ${from}-${data.length - 1}/${data.length}`, 'content-length': body.length });
    else res.writeHead(200, { 'content-length': body.length });
    seen.at(-1)!.sent = body.length;
    res.end(body);
  };

const releasePath = (name: string) => `/releases/${encodeURIComponent(VERSION)}/${name}`;

function standardRoutes(bin = binary): Map<string, Route> {
  return new Map<string, Route>([
    [releasePath('sha256sum-amd64.txt'), file(Buffer.from(sums()))],
    [releasePath('k3s'), file(bin)],
    [releasePath('k3s-airgap-images-amd64.tar.zst'), file(images)],
    ['/install.sh', file(install)],
  ]);
}

const served = loopbackServer((req, res) => {
  seen.push({ url: req.url!, range: req.headers.range, sent: 0 });
  const route = routes.get(req.url!);
  if (route) route(req, res);
  else res.writeHead(404).end();
});
beforeEach(() => {
  routes = standardRoutes();
  seen = [];
});

const env = () => ({
  CLUSTER_LAB_K3S_RELEASES: `${served.base}/releases`,
  CLUSTER_LAB_K3S_INSTALL_SCRIPT: `${served.base}/install.sh`,
  CLUSTER_LAB_K3S_CHANNELS: `${served.base}/channels`,
});
const fetchInto = async (cacheDir: string, extra: Partial<Parameters<typeof fetchRelease>[0]> = {}) =>
  fetchRelease({ version: VERSION, arch: 'amd64', images: true, cacheDir, env: env(), ...extra });
const rejection = async (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('resolved'),
    (error: unknown) => error as AppError,
  );

describe('k3sCacheDir', () => {
  it('is the XDG cache on Linux, ~/.cache when XDG_CACHE_HOME is unset or relative', () => {
    expect(k3sCacheDir('linux', { XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe('/xdg/cluster-lab/k3s');
    expect(k3sCacheDir('linux', {}, '/home/u')).toBe('/home/u/.cache/cluster-lab/k3s');
    expect(k3sCacheDir('linux', { XDG_CACHE_HOME: 'rel' }, '/home/u')).toBe('/home/u/.cache/cluster-lab/k3s');
  });
  it('is ~/Library/Caches on macOS, whatever XDG says', () => {
    expect(k3sCacheDir('darwin', { XDG_CACHE_HOME: '/xdg' }, '/Users/u')).toBe('/Users/u/Library/Caches/cluster-lab/k3s');
  });
  it('is %LOCALAPPDATA% on Windows', () => {
    expect(k3sCacheDir('win32', { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'C:\\Users\\u')).toBe(
      'C:\\Users\\u\\AppData\\Local\\cluster-lab\\k3s',
    );
    expect(k3sCacheDir('win32', {}, 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\cluster-lab\\k3s');
  });
});

describe('resolveChannel', () => {
  it('reads the version from the redirect without following it', async () => {
    routes.set('/channels/stable', (_req, res) => res.writeHead(302, { location: `${served.base}/k3s-io/k3s/releases/tag/v1.33.1%2Bk3s1` }).end());
    expect(await resolveChannel('stable', { env: env() })).toBe(VERSION);
    expect(seen.map((s) => s.url)).toEqual(['/channels/stable']);
  });
  it('refuses an answer that is not a redirect to a release', async () => {
    routes.set('/channels/odd', (_req, res) => res.writeHead(200).end('hello'));
    const error = await rejection(resolveChannel('odd', { env: env() }));
    expect(error.message).toContain("channel 'odd'");
    expect((await rejection(resolveChannel('nope', { env: env() }))).code).toBe('not_found');
  });
});

describe('fetchRelease', () => {
  it('fetches every file once, verified, with the version URL-encoded; a second fetch downloads nothing', async () => {
    const cacheDir = await tempDir();
    const progress: number[] = [];
    const result = await fetchInto(cacheDir, { onProgress: (p) => p.file === 'k3s' && progress.push(p.bytes) });
    expect(result.downloadedBytes).toBe(binary.length + images.length + install.length + sums().length);
    expect(seen.map((s) => s.url)).toContain('/releases/v1.33.1%2Bk3s1/k3s');
    const dir = path.join(cacheDir, VERSION);
    expect((await readdir(dir)).sort()).toEqual(['install.sh', 'k3s', 'k3s-airgap-images-amd64.tar.zst', 'sha256sum-amd64.txt']);
    expect(await readFile(path.join(dir, 'k3s'))).toEqual(binary);
    expect((await stat(path.join(dir, 'k3s'))).mode & 0o777).toBe(0o755);
    expect(progress.at(-1)).toBe(binary.length);

    seen = [];
    expect((await fetchInto(cacheDir)).downloadedBytes).toBe(0);
    expect(seen).toEqual([]);
  });

  it('leaves the images out with images: false', async () => {
    const cacheDir = await tempDir();
    await fetchInto(cacheDir, { images: false });
    expect(seen.map((s) => s.url)).not.toContain(releasePath('k3s-airgap-images-amd64.tar.zst'));
  });

  it('refuses a binary that does not match its checksum line and keeps nothing of it', async () => {
    const cacheDir = await tempDir();
    const corrupted = Buffer.from(binary);
    corrupted[100] = corrupted[100]! ^ 1;
    routes.set(releasePath('k3s'), file(corrupted));
    const error = await rejection(fetchInto(cacheDir));
    expect(error).toBeInstanceOf(AppError);
    expect(error.message).toMatch(/^k3s of v1\.33\.1\+k3s1 does not match its line in sha256sum-amd64\.txt/);
    const left = await readdir(path.join(cacheDir, VERSION));
    expect(left.filter((n) => n.startsWith('k3s') && !n.includes('airgap'))).toEqual([]);
  });

  it('resumes a connection dropped half-way with a Range request for the remainder only', async () => {
    const cacheDir = await tempDir();
    const half = binary.length / 2;
    let first: ServerResponse | null = null;
    routes.set(releasePath('k3s'), (req, res) => {
      if (first) return file(binary)(req, res);
      first = res;
      res.writeHead(200, { 'content-length': binary.length });
      res.write(binary.subarray(0, half));
    });
    // The connection drops once the first half is on disk, not while it may still be in flight.
    await fetchInto(cacheDir, { onProgress: (p) => p.file === 'k3s' && p.bytes === half && first?.destroy() });
    const asks = seen.filter((s) => s.url === releasePath('k3s'));
    expect(asks.map((s) => s.range)).toEqual([undefined, `bytes=${half}-`]);
    expect(asks[1]!.sent).toBe(binary.length - half);
    expect(await readFile(path.join(cacheDir, VERSION, 'k3s'))).toEqual(binary);
  });

  it('resumes after a body that stalls longer than the idle timeout', async () => {
    const cacheDir = await tempDir();
    const half = binary.length / 2;
    let first = true;
    routes.set(releasePath('k3s'), (req, res) => {
      if (!first) return file(binary)(req, res);
      first = false;
      res.writeHead(200, { 'content-length': binary.length });
      res.write(binary.subarray(0, half)); // and then nothing
    });
    await fetchInto(cacheDir, { limits: { idleTimeoutMs: 200 } });
    // How much of the half is on disk when the timer fires depends on the machine's load: not asserted.
    expect(seen.filter((s) => s.url === releasePath('k3s'))).toHaveLength(2);
    expect(await readFile(path.join(cacheDir, VERSION, 'k3s'))).toEqual(binary);
  });

  it('starts over when the .part is already whole and the server answers 416', async () => {
    const cacheDir = await tempDir();
    await mkdir(path.join(cacheDir, VERSION), { recursive: true });
    await writeFile(path.join(cacheDir, VERSION, 'k3s.part'), binary);
    routes.set(releasePath('k3s'), (req, res) => (req.headers.range ? void res.writeHead(416).end() : file(binary)(req, res)));
    await fetchInto(cacheDir);
    expect(seen.filter((s) => s.url === releasePath('k3s')).map((s) => s.range)).toEqual([`bytes=${binary.length}-`, undefined]);
    expect(await readFile(path.join(cacheDir, VERSION, 'k3s'))).toEqual(binary);
  });

  it('starts over when a server answers a Range request with the whole file (200)', async () => {
    const cacheDir = await tempDir();
    await mkdir(path.join(cacheDir, VERSION), { recursive: true });
    await writeFile(path.join(cacheDir, VERSION, 'k3s.part'), 'garbage that is not the start of k3s');
    routes.set(releasePath('k3s'), file(binary, { ignoreRange: true }));
    await fetchInto(cacheDir);
    expect(seen.find((s) => s.url === releasePath('k3s'))!.range).toBe('bytes=36-');
    expect(await readFile(path.join(cacheDir, VERSION, 'k3s'))).toEqual(binary);
  });

  it('follows redirects, relative and absolute, and gives up on a loop', async () => {
    const cacheDir = await tempDir();
    routes.set(releasePath('k3s'), (_req, res) => res.writeHead(302, { location: '/objects/k3s' }).end());
    routes.set('/objects/k3s', (_req, res) => res.writeHead(307, { location: `${served.base}/objects/k3s-final` }).end());
    routes.set('/objects/k3s-final', file(binary));
    await fetchInto(cacheDir);
    expect(await readFile(path.join(cacheDir, VERSION, 'k3s'))).toEqual(binary);

    const loopDir = await tempDir();
    routes.set(releasePath('k3s'), (_req, res) => res.writeHead(302, { location: releasePath('k3s') }).end());
    expect((await rejection(fetchInto(loopDir, { limits: { maxRedirects: 3 } }))).message).toContain('more than 3 redirects');
  });

  it('refuses a file over the size limit', async () => {
    const cacheDir = await tempDir();
    const error = await rejection(fetchInto(cacheDir, { limits: { maxBytes: 1000 } }));
    expect(error.message).toBe('k3s is larger than the limit of 1000 bytes.');
  });

  it('cancels mid-download leaving only the .part, which the next fetch resumes', async () => {
    const cacheDir = await tempDir();
    const half = binary.length / 2;
    let first = true;
    routes.set(releasePath('k3s'), (req, res) => {
      if (!first) return file(binary)(req, res);
      first = false;
      res.writeHead(200, { 'content-length': binary.length });
      res.write(binary.subarray(0, half)); // and then nothing: the client cancels
    });
    const controller = new AbortController();
    const error = await rejection(
      fetchInto(cacheDir, { signal: controller.signal, onProgress: (p) => p.file === 'k3s' && p.bytes >= half && controller.abort() }),
    );
    expect(error.code).toBe('cancelled');
    const dir = path.join(cacheDir, VERSION);
    expect((await readdir(dir)).filter((n) => n.startsWith('k3s') && !n.includes('airgap'))).toEqual(['k3s.part']);
    expect((await stat(path.join(dir, 'k3s.part'))).size).toBe(half);

    await fetchInto(cacheDir);
    expect(seen.filter((s) => s.url === releasePath('k3s')).at(-1)!.range).toBe(`bytes=${half}-`);
    expect(await readFile(path.join(dir, 'k3s'))).toEqual(binary);
  });

  it('refuses a version that is not a release tag before touching the disk or the network', async () => {
    const cacheDir = await tempDir();
    expect((await rejection(fetchInto(cacheDir, { version: '../v1' }))).code).toBe('invalid_input');
    expect(seen).toEqual([]);
  });
});

describe('listCache and pruneCache', () => {
  it('lists versions newest first with sizes and a fresh verification, and prunes the oldest', async () => {
    const cacheDir = await tempDir();
    await fetchInto(cacheDir);
    for (const version of ['v1.32.5+k3s1', 'v1.33.1-rc1+k3s1']) {
      await mkdir(path.join(cacheDir, version));
      await writeFile(path.join(cacheDir, version, 'sha256sum-amd64.txt'), sums());
      await writeFile(path.join(cacheDir, version, 'k3s'), 'tampered');
    }
    const list = await listCache(cacheDir);
    expect(list.map((v) => v.version)).toEqual([VERSION, 'v1.33.1-rc1+k3s1', 'v1.32.5+k3s1']);
    expect(list[0]!.files.find((f) => f.name === 'k3s')).toEqual({ name: 'k3s', size: binary.length, verified: true });
    expect(list[1]!.files.find((f) => f.name === 'k3s')!.verified).toBe(false);
    expect((await pruneCache(cacheDir, 1)).removed.map((v) => v.version)).toEqual(['v1.33.1-rc1+k3s1', 'v1.32.5+k3s1']);
    expect(await readdir(cacheDir)).toEqual([VERSION]);
  });

  it('prunes by the release files alone: a stray file is no mismatch, and a pinned half-fetch or a fetch running now stays', async () => {
    const cacheDir = await tempDir();
    await fetchInto(cacheDir);
    await writeFile(path.join(cacheDir, VERSION, '.DS_Store'), 'finder');
    expect((await listCache(cacheDir))[0]!.files.find((f) => f.name === '.DS_Store')!.verified).toBeNull();
    const half = (version: string) =>
      mkdir(path.join(cacheDir, version))
        .then(() => writeFile(path.join(cacheDir, version, 'sha256sum-amd64.txt'), sums()))
        .then(() => writeFile(path.join(cacheDir, version, 'k3s.part'), binary.subarray(0, 100)));
    await half('v1.34.0+k3s1');
    await half('v1.35.0+k3s1');
    await half('v1.31.0+k3s1');
    const later = Date.now() + 11 * 60_000;
    const { removed, kept } = await pruneCache(cacheDir, 0, new Set([VERSION, 'v1.34.0+k3s1']), later);
    expect(kept.map(({ version, why }) => [version.version, why])).toEqual([
      ['v1.34.0+k3s1', 'pinned'],
      [VERSION, 'pinned'],
    ]);
    expect(removed.map((v) => v.version)).toEqual(['v1.35.0+k3s1', 'v1.31.0+k3s1']);
    // A .part written in the last 10 minutes may be another window's fetch: it stays whatever --keep says.
    await half('v1.36.0+k3s1');
    expect((await pruneCache(cacheDir, 0)).kept.map(({ version, why }) => [version.version, why])).toContainEqual(['v1.36.0+k3s1', 'fetching']);
  });

  it('orders versions as releases do', () => {
    expect(['v1.33.1+k3s2', 'v1.9.0+k3s1', 'v1.33.1+k3s1', 'v1.33.1-rc2+k3s1'].sort(compareK3sVersions)).toEqual([
      'v1.9.0+k3s1',
      'v1.33.1-rc2+k3s1',
      'v1.33.1+k3s1',
      'v1.33.1+k3s2',
    ]);
  });

  it('reads sha256sum lines in text and binary mode and refuses anything else', () => {
    expect(parseChecksums(`${'a'.repeat(64)}  k3s\n${'b'.repeat(64)} *k3s-arm64\n`, 'x')).toEqual(
      new Map([
        ['k3s', 'a'.repeat(64)],
        ['k3s-arm64', 'b'.repeat(64)],
      ]),
    );
    expect(() => parseChecksums('<html>', 'sha256sum-amd64.txt')).toThrow(/sha256sum-amd64\.txt: '<html>' is not a sha256sum line/);
  });
});

describe('placeRelease', () => {
  it('gives each lab copies, so a guest writing its share in place changes neither the cache nor what the next lab is given', async () => {
    const cacheDir = await tempDir();
    await fetchInto(cacheDir);
    const [labA, labB] = [await tempDir(), await tempDir()];
    const a = await placeRelease({ cacheDir, labDir: labA, version: VERSION, arch: 'amd64' });
    expect(a.placed).toEqual(['sha256sum-amd64.txt', 'k3s', 'k3s-airgap-images-amd64.tar.zst', 'install.sh']);
    // Root in lab A's VM rewrites the files through its share: open with O_TRUNC, no rename.
    const evil = Buffer.from('#!/bin/sh\necho not k3s\n');
    await writeFile(path.join(a.dir, 'k3s'), evil);
    await writeFile(path.join(a.dir, 'sha256sum-amd64.txt'), `${sha(evil)}  k3s\n${sha(images)}  k3s-airgap-images-amd64.tar.zst\n`);
    await writeFile(path.join(a.dir, 'install.sh'), '#!/bin/sh\necho not the installer\n');
    for (const [name, data] of [
      ['k3s', binary],
      ['sha256sum-amd64.txt', Buffer.from(sums())],
      ['install.sh', install],
    ] as const)
      expect(await readFile(path.join(cacheDir, VERSION, name))).toEqual(data);
    const b = await placeRelease({ cacheDir, labDir: labB, version: VERSION, arch: 'amd64' });
    expect(await readFile(path.join(b.dir, 'k3s'))).toEqual(binary);
    expect(await readFile(path.join(b.dir, 'install.sh'))).toEqual(install);
    // Lab A's next Up puts the release back.
    expect((await placeRelease({ cacheDir, labDir: labA, version: VERSION, arch: 'amd64' })).placed).toEqual([
      'sha256sum-amd64.txt',
      'k3s',
      'install.sh',
    ]);
    expect(await readFile(path.join(a.dir, 'k3s'))).toEqual(binary);
  });

  it("records the hashes it placed with in the lab's .cluster-lab/, which a guest's rewrite of the share leaves alone", async () => {
    const cacheDir = await tempDir();
    await fetchInto(cacheDir);
    const lab = await tempDir();
    const { dir } = await placeRelease({ cacheDir, labDir: lab, version: VERSION, arch: 'amd64' });
    const recorded = path.join(lab, '.cluster-lab', 'k3s-placed.sha256');
    const expected = `${sha(Buffer.from(sums()))}  sha256sum-amd64.txt\n${sha(binary)}  k3s\n${sha(images)}  k3s-airgap-images-amd64.tar.zst\n${sha(install)}  install.sh\n`;
    expect(await readFile(recorded, 'utf8')).toBe(expected);
    // A guest rewrites the binary and its checksum line alike: the record is the host's, not the list's.
    const evil = Buffer.from('#!/bin/sh\necho not k3s\n');
    await writeFile(path.join(dir, 'k3s'), evil);
    await writeFile(path.join(dir, 'sha256sum-amd64.txt'), `${sha(evil)}  k3s\n${sha(images)}  k3s-airgap-images-amd64.tar.zst\n`);
    await placeRelease({ cacheDir, labDir: lab, version: VERSION, arch: 'amd64' });
    expect(await readFile(recorded, 'utf8')).toBe(expected);

    const linked = await tempDir();
    const outside = await tempDir();
    await symlink(outside, path.join(linked, '.cluster-lab'));
    await expect(placeRelease({ cacheDir, labDir: linked, version: VERSION, arch: 'amd64' })).rejects.toThrow(
      `${path.join(linked, '.cluster-lab')} is a symbolic link, not a folder`,
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it('places into shared/k3s/<version>/ of real folders only: a link there is refused and nothing is written through it', async () => {
    const cacheDir = await tempDir();
    await fetchInto(cacheDir);
    const lab = await tempDir();
    expect((await placeRelease({ cacheDir, labDir: lab, version: VERSION, arch: 'amd64' })).dir).toBe(path.join(lab, 'shared', 'k3s', VERSION));
    const other = await tempDir();
    const outside = await tempDir();
    await mkdir(path.join(other, 'shared'));
    await symlink(outside, path.join(other, 'shared', 'k3s'));
    await expect(placeRelease({ cacheDir, labDir: other, version: VERSION, arch: 'amd64' })).rejects.toThrow(
      `${path.join(other, 'shared', 'k3s')} is a symbolic link, not a folder; Cluster Lab does not follow it to place k3s there.`,
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a cache changed since it was checked, leaving neither the file nor a temporary one in the lab', async () => {
    const cacheDir = await tempDir();
    await fetchInto(cacheDir);
    await writeFile(path.join(cacheDir, VERSION, 'k3s'), 'changed in the cache');
    const lab = await tempDir();
    await expect(placeRelease({ cacheDir, labDir: lab, version: VERSION, arch: 'amd64' })).rejects.toThrow(
      /^k3s of k3s v1\.33\.1\+k3s1 in the cache does not match sha256sum-amd64\.txt/,
    );
    expect(await readdir(path.join(lab, 'shared', 'k3s', VERSION))).toEqual(['sha256sum-amd64.txt']);

    await writeFile(path.join(cacheDir, VERSION, 'k3s'), binary);
    await writeFile(path.join(cacheDir, VERSION, 'sha256sum-amd64.txt'), `${sha(binary)}  k3s\n`);
    await expect(placeRelease({ cacheDir, labDir: lab, version: VERSION, arch: 'amd64' })).rejects.toThrow(
      'sha256sum-amd64.txt of v1.33.1+k3s1 has no line for k3s-airgap-images-amd64.tar.zst.',
    );
  });

  it('replaces a placed file that is a hard link to another file, though its bytes are right', async () => {
    const cacheDir = await tempDir();
    await fetchInto(cacheDir);
    const lab = await tempDir();
    const { dir } = await placeRelease({ cacheDir, labDir: lab, version: VERSION, arch: 'amd64' });
    await rm(path.join(dir, 'k3s'));
    await link(path.join(cacheDir, VERSION, 'k3s'), path.join(dir, 'k3s'));
    expect((await placeRelease({ cacheDir, labDir: lab, version: VERSION, arch: 'amd64' })).placed).toEqual(['k3s']);
    expect((await stat(path.join(dir, 'k3s'))).nlink).toBe(1);
    expect((await stat(path.join(cacheDir, VERSION, 'k3s'))).nlink).toBe(1);
  });
});
