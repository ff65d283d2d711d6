import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../../shared/doctor';
import { defaultLabConfig } from '../../../shared/lab/schema';
import { facts, plan } from '../../../fixtures/doctorFacts';
import { standInRelease } from '../../../fixtures/k3sRelease';
import { tempDirs } from '../../../fixtures/tmp';
import { createContext } from '../context';
import type { CachedVersion } from '../k3s/cache';
import { runDoctor, type DoctorFacts } from '.';
import { k3sCacheCheck, k3sCacheReport } from './k3s';

const tempDir = tempDirs('doctor-k3s');
const DIR = '/home/u/.cache/cluster-lab/k3s';
const MiB = 2 ** 20;

/** A cached version with the given files: `name: [size, verified]`. */
function version(name: string, files: Record<string, [number, boolean | null]>, partial: string[] = []): CachedVersion {
  const list = Object.entries(files).map(([file, [size, verified]]) => ({ name: file, size, verified }));
  return {
    version: name,
    dir: `${DIR}/${name}`,
    files: list,
    bytes: list.reduce((s, f) => s + f.size, 0),
    partial,
    partialChangedAt: partial.length ? 0 : null,
  };
}
const amd64 = (name: string, binaryOk = true) =>
  version(name, {
    'install.sh': [30_000, null],
    k3s: [70 * MiB, binaryOk],
    'k3s-airgap-images-amd64.tar.zst': [150 * MiB, true],
    'sha256sum-amd64.txt': [500, null],
  });
const withCache = (versions: CachedVersion[], over: Partial<DoctorFacts> = {}) => facts({ k3sCache: { dir: DIR, versions, problem: null }, ...over });
const pinned = (k3sVersion: string) => plan({ k3sVersion });
const cacheCheck = (f: DoctorFacts): Check => k3sCacheCheck(f);

describe('doctor: the k3s cache', () => {
  it('says where the cache is and that it is empty', () => {
    expect(cacheCheck(withCache([]))).toMatchObject({ status: 'ok', message: `The k3s cache \`${DIR}\` is empty.` });
  });

  it('lists each version with its architectures, size and verification', () => {
    const check = cacheCheck(
      withCache([amd64('v1.33.1+k3s1'), version('v1.32.5+k3s1', { k3s: [10, true] }, ['k3s-airgap-images-amd64.tar.zst.part'])]),
    );
    expect(check.message).toBe(
      `The k3s cache \`${DIR}\` holds v1.33.1+k3s1 (amd64, 220.0 MiB, verified); v1.32.5+k3s1 (incomplete, 10 B, verified, an interrupted fetch to resume).`,
    );
    expect(check.status).toBe('ok');
  });

  it("warns, without a failure, that the lab's version is not cached yet, with the command that fetches it", () => {
    const check = cacheCheck(withCache([], { sizing: pinned('v1.33.1+k3s1') }));
    expect(check).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/^v1\.33\.1\+k3s1 is not in the cache yet: Up will fetch it for amd64 \(the k3s binary alone is about 70 MB/),
      fix: 'Fetch it now: `cluster-lab k3s fetch --version v1.33.1+k3s1`.',
    });
  });

  it('estimates the download from the same files of another cached version', () => {
    const check = cacheCheck(withCache([amd64('v1.32.5+k3s1')], { sizing: pinned('v1.33.1+k3s1') }));
    expect(check.message).toMatch(
      /^v1\.33\.1\+k3s1 is not in the cache yet: Up will fetch it for amd64 \(about 220\.0 MiB, as v1\.32\.5\+k3s1 for amd64 took\)/,
    );
  });

  it('says Up resumes an interrupted fetch of the version', () => {
    const half = version('v1.33.1+k3s1', { 'sha256sum-amd64.txt': [500, null] }, ['k3s.part']);
    expect(cacheCheck(withCache([half], { sizing: pinned('v1.33.1+k3s1') })).message).toMatch(/Up will resume fetching it for amd64/);
  });

  it('passes when the version is there for the guests, verified', () => {
    expect(cacheCheck(withCache([amd64('v1.33.1+k3s1')], { sizing: pinned('v1.33.1+k3s1') }))).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/^The lab's k3s v1\.33\.1\+k3s1 is in the cache for amd64, verified: Up installs it without a download\./),
    });
  });

  it('looks for arm64 files on Apple silicon, and the fetch command says so', () => {
    const mac = { ...facts().host, platform: 'darwin', arch: 'arm64' };
    const check = cacheCheck(withCache([amd64('v1.33.1+k3s1')], { sizing: pinned('v1.33.1+k3s1'), host: mac }));
    expect(check).toMatchObject({ status: 'warn', fix: 'Fetch it now: `cluster-lab k3s fetch --version v1.33.1+k3s1 --arch arm64`.' });
    expect(k3sCacheReport(withCache([amd64('v1.33.1+k3s1')], { sizing: pinned('v1.33.1+k3s1'), host: mac })).lab).toEqual({
      version: 'v1.33.1+k3s1',
      arch: 'arm64',
      missing: ['sha256sum-arm64.txt', 'k3s-arm64', 'k3s-airgap-images-arm64.tar.zst'],
    });
  });

  it("fails when a cached file of the lab's version no longer matches its checksum, naming the folder to delete", () => {
    const check = cacheCheck(withCache([amd64('v1.33.1+k3s1', false)], { sizing: pinned('v1.33.1+k3s1') }));
    expect(check).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(
        /^The lab's k3s v1\.33\.1\+k3s1: k3s in the cache does not match the release's checksums, and every VM would refuse it\./,
      ),
      fix: `Delete \`${DIR}/v1.33.1+k3s1\` and fetch it again: \`cluster-lab k3s fetch --version v1.33.1+k3s1\`.`,
    });
  });

  it('only warns about a mismatch in a version no lab here uses, or for another architecture', () => {
    expect(cacheCheck(withCache([amd64('v1.32.5+k3s1', false)]))).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining(`\`${DIR}/v1.32.5+k3s1\``),
    });
    const armBroken = version('v1.33.1+k3s1', {
      ...Object.fromEntries(amd64('v1.33.1+k3s1').files.map((f) => [f.name, [f.size, f.verified]])),
      'k3s-arm64': [5, false],
    });
    expect(cacheCheck(withCache([armBroken], { sizing: pinned('v1.33.1+k3s1') })).status).toBe('ok');
  });

  it('warns when the cache cannot be read', () => {
    const check = cacheCheck(facts({ k3sCache: { dir: DIR, versions: [], problem: 'EACCES: permission denied' } }));
    expect(check).toMatchObject({ status: 'warn', message: `The k3s cache \`${DIR}\` could not be read: EACCES: permission denied.` });
  });
});

describe('runDoctor and the k3s cache on disk', () => {
  it("hashes the cached files again and judges the lab's pinned version (also a channel's resolved one)", async () => {
    const home = await tempDir('cl-doc-k3s-');
    const cache = path.join(home, 'cache');
    const release = standInRelease();
    const dir = path.join(cache, 'cluster-lab', 'k3s', release.version);
    await mkdir(dir, { recursive: true });
    for (const [name, data] of release.files) await writeFile(path.join(dir, name), data);
    const ctx = createContext({ env: { PATH: '', XDG_CACHE_HOME: cache }, platform: 'linux', homeDir: home });
    const doctor = async (k3s: unknown) => {
      const report = await runDoctor(ctx, { config: { ...defaultLabConfig(), k3s } });
      return { check: report.checks.find((c) => c.id === 'k3s-cache')!, report: report.k3sCache };
    };

    const good = await doctor({ source: 'version', value: release.version });
    expect(good.check.status).toBe('ok');
    expect(good.report).toEqual({
      dir: path.join(cache, 'cluster-lab', 'k3s'),
      versions: [
        {
          version: release.version,
          bytes: [...release.files.values()].reduce((s, b) => s + b.length, 0),
          arches: ['amd64'],
          verified: true,
          partial: false,
        },
      ],
      lab: { version: release.version, arch: expect.any(String), missing: [] },
    });
    expect((await doctor({ source: 'channel', value: 'stable', version: release.version })).report.lab?.version).toBe(release.version);
    expect((await doctor({ source: 'channel', value: 'stable' })).report.lab).toBeNull();

    await writeFile(path.join(dir, 'k3s'), 'tampered');
    const tampered = await doctor({ source: 'version', value: release.version });
    expect(tampered.check.status).toBe('fail');
    expect(tampered.report.versions[0]!.verified).toBe(false);
  });
});
