/**
 * The host's cache of k3s releases (issue 24): a channel resolved to an exact version, and that
 * version's files fetched once into `<cache>/<version>/`, each checked against the release's
 * checksum list before it takes its final name. Nothing here uses the cache yet: the provisioners
 * still install k3s from the network.
 *
 * Release layout, from k3s-io/k3s: the binary is `k3s` on amd64 and `k3s-<arch>` otherwise
 * (scripts/package-cli, BIN_SUFFIX), the images `k3s-airgap-images-<arch>.tar` (scripts/package-airgap;
 * releases also carry the `.tar.zst` this fetches), and install.sh finds the binary's hash in
 * `sha256sum-<arch>.txt` with `grep " k3s${SUFFIX}$"`, taking the text before the blank
 * (install.sh, download_hash): sha256sum's `<hex>  <name>` lines.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { makeFolders, renameRetrying } from '../files';
import { DEFAULT_LIMITS, downloadToPart, fetchWithin, type DownloadLimits, type DownloadProgress } from './download';

export type K3sArch = 'amd64' | 'arm64';
export const K3S_ARCHES: readonly K3sArch[] = ['amd64', 'arm64'];

/** A k3s release tag: `v1.33.1+k3s1`, `v1.34.0-rc1+k3s1`. Also what keeps a version out of other folders. */
const VERSION = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?\+k3s\d+$/;

export const isK3sVersion = (value: string): boolean => VERSION.test(value);

export const INSTALL_SCRIPT = 'install.sh';
export const checksumFile = (arch: K3sArch) => `sha256sum-${arch}.txt`;
export const binaryFile = (arch: K3sArch) => (arch === 'amd64' ? 'k3s' : `k3s-${arch}`);
export const imagesFile = (arch: K3sArch) => `k3s-airgap-images-${arch}.tar.zst`;

/** The sources, each overridable for a mirror or a test. */
export function k3sSources(env: NodeJS.ProcessEnv) {
  const trim = (value: string) => value.replace(/\/+$/, '');
  return {
    releases: trim(env.CLUSTER_LAB_K3S_RELEASES || 'https://github.com/k3s-io/k3s/releases/download'),
    installScript: env.CLUSTER_LAB_K3S_INSTALL_SCRIPT || 'https://get.k3s.io',
    channels: trim(env.CLUSTER_LAB_K3S_CHANNELS || 'https://update.k3s.io/v1-release/channels'),
  };
}

/** Where the cache lives: each OS's place for caches, as the user or the OS sets it. */
export function k3sCacheDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, homeDir: string): string {
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA || path.win32.join(homeDir, 'AppData', 'Local');
    return path.win32.join(base, 'cluster-lab', 'k3s');
  }
  if (platform === 'darwin') return path.posix.join(homeDir, 'Library', 'Caches', 'cluster-lab', 'k3s');
  // XDG Base Directory: a relative $XDG_CACHE_HOME is invalid and ignored.
  const xdg = env.XDG_CACHE_HOME && path.posix.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.posix.join(homeDir, '.cache');
  return path.posix.join(xdg, 'cluster-lab', 'k3s');
}

/**
 * A channel (`stable`, `latest`, `v1.33`) to the version it points at today. The channel server
 * answers with a redirect to `.../releases/tag/<version>`, which is read, not followed, as install.sh
 * does with wget (install.sh, get_release_version: the Location header, after its last slash).
 */
export async function resolveChannel(
  channel: string,
  options: { env: NodeJS.ProcessEnv; signal?: AbortSignal; timeoutMs?: number },
): Promise<string> {
  const url = `${k3sSources(options.env).channels}/${encodeURIComponent(channel)}`;
  const stall = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
  const response = await fetchWithin(
    url,
    { redirect: 'manual', signal },
    options.timeoutMs ?? DEFAULT_LIMITS.headersTimeoutMs,
    stall,
    `the k3s channel ${channel}`,
  );
  await response.body?.cancel();
  const location = response.headers.get('location');
  const version = location ? decodeURIComponent(new URL(location, url).pathname.split('/').pop() ?? '') : '';
  if (response.status < 300 || response.status >= 400 || !isK3sVersion(version))
    throw new AppError(
      response.status === 404 ? 'not_found' : 'failed',
      `The k3s channel '${channel}' did not resolve to a version (HTTP ${response.status} from ${url}).`,
      {
        hint: "Use a channel k3s publishes (stable, latest, or one like v1.33), or pin an exact version such as 'v1.33.1+k3s1'.",
      },
    );
  return version;
}

export interface FetchOptions {
  version: string;
  arch: K3sArch;
  images: boolean;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  limits?: Partial<DownloadLimits>;
}

export interface FetchResult {
  version: string;
  dir: string;
  files: string[];
  /** Bytes taken from the network by this fetch: 0 when the cache had everything. */
  downloadedBytes: number;
}

/** Fetch a version's files into the cache, skipping those already there (they were verified on the way in). */
export async function fetchRelease(options: FetchOptions): Promise<FetchResult> {
  const { version, arch } = options;
  if (!isK3sVersion(version))
    throw new AppError('invalid_input', `'${version}' is not a k3s version.`, { hint: "Give the exact release tag, e.g. 'v1.33.1+k3s1'." });
  const dir = path.join(options.cacheDir, version);
  const sources = k3sSources(options.env);
  const releaseUrl = (file: string) => `${sources.releases}/${encodeURIComponent(version)}/${file}`;
  const assets = [binaryFile(arch), ...(options.images ? [imagesFile(arch)] : [])];
  const files = [checksumFile(arch), ...assets, INSTALL_SCRIPT];
  const present = async (file: string) => (await stat(path.join(dir, file)).catch(() => null))?.isFile() ?? false;
  const missing: string[] = [];
  for (const file of files) if (!(await present(file))) missing.push(file);
  if (missing.length === 0) return { version, dir, files, downloadedBytes: 0 };

  await makeFolders(dir);
  let downloadedBytes = 0;
  const get = async (file: string, url: string, verify: (part: string) => Promise<void>) => {
    const part = path.join(dir, `${file}.part`);
    downloadedBytes += await downloadToPart({ url, part, file, signal: options.signal, onProgress: options.onProgress, limits: options.limits });
    await verify(part);
    await renameRetrying(part, path.join(dir, file));
  };

  // The checksum list is what every other file is judged by: it comes first, and is re-read if cached.
  if (missing.includes(checksumFile(arch)))
    await get(
      checksumFile(arch),
      releaseUrl(checksumFile(arch)),
      async (part) => void parseChecksums(await readFile(part, 'utf8'), checksumFile(arch)),
    );
  const sums = parseChecksums(await readFile(path.join(dir, checksumFile(arch)), 'utf8'), checksumFile(arch));

  for (const file of assets.filter((f) => missing.includes(f))) {
    const expected = sums.get(file);
    if (!expected)
      throw new AppError('failed', `${checksumFile(arch)} of ${version} has no line for ${file}.`, {
        hint:
          options.images && file === imagesFile(arch)
            ? 'This release may have no .tar.zst image archive: fetch with --no-images.'
            : 'Check the version and the mirror.',
      });
    await get(file, releaseUrl(file), async (part) => {
      const actual = await sha256(part);
      if (actual !== expected) {
        await rm(part, { force: true });
        throw new AppError(
          'failed',
          `${file} of ${version} does not match its line in ${checksumFile(arch)} (expected ${expected}, got ${actual}); the download was removed.`,
          {
            hint: 'Fetch again; if it repeats, the server (CLUSTER_LAB_K3S_RELEASES) serves a different file than its checksum list.',
          },
        );
      }
      if (file === binaryFile(arch)) await chmod(part, 0o755);
    });
  }
  // install.sh is no release asset and has no published checksum: it is checked to be a shell script.
  if (missing.includes(INSTALL_SCRIPT))
    await get(INSTALL_SCRIPT, sources.installScript, async (part) => {
      const head = (await readFile(part, 'utf8')).slice(0, 2);
      if (head !== '#!') {
        await rm(part, { force: true });
        throw new AppError('failed', `${INSTALL_SCRIPT} from ${sources.installScript} is not a shell script; the download was removed.`, {
          hint: 'Check CLUSTER_LAB_K3S_INSTALL_SCRIPT (a captive portal or proxy page answers like this too).',
        });
      }
    });
  return { version, dir, files, downloadedBytes };
}

/** sha256sum's output (`<hex>  <name>`, or ` *<name>` in binary mode) as name → hash. */
export function parseChecksums(text: string, file: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (!match)
      throw new AppError('failed', `${file}: '${line.slice(0, 80)}' is not a sha256sum line.`, {
        hint: 'Check the mirror in CLUSTER_LAB_K3S_RELEASES.',
      });
    sums.set(match[2]!, match[1]!);
  }
  if (sums.size === 0) throw new AppError('failed', `${file} is empty.`, { hint: 'Check the mirror in CLUSTER_LAB_K3S_RELEASES.' });
  return sums;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface CachedFile {
  name: string;
  size: number;
  /** Checked again now against the version's checksum lists; null for install.sh, which has none. */
  verified: boolean | null;
}

export interface CachedVersion {
  version: string;
  dir: string;
  files: CachedFile[];
  bytes: number;
  /** `.part` files of an interrupted fetch, which the next fetch resumes. */
  partial: string[];
}

/** Every version in the cache, newest first, each file re-hashed against its checksum line. */
export async function listCache(cacheDir: string): Promise<CachedVersion[]> {
  const entries = await readdir(cacheDir, { withFileTypes: true }).catch(() => []);
  const versions: CachedVersion[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !isK3sVersion(entry.name)) continue;
    const dir = path.join(cacheDir, entry.name);
    const names = (await readdir(dir)).sort();
    const sums = new Map<string, string>();
    for (const name of names.filter((n) => /^sha256sum-[a-z0-9]+\.txt$/.test(n))) {
      const parsed = await readFile(path.join(dir, name), 'utf8').then(
        (text) => parseChecksums(text, name),
        () => new Map<string, string>(),
      );
      for (const [file, hash] of parsed) sums.set(file, hash);
    }
    const files: CachedFile[] = [];
    for (const name of names.filter((n) => !n.endsWith('.part'))) {
      const size = (await stat(path.join(dir, name))).size;
      const expected = sums.get(name);
      const checksumList = name.startsWith('sha256sum-');
      files.push({
        name,
        size,
        verified: checksumList || name === INSTALL_SCRIPT ? null : expected !== undefined && (await sha256(path.join(dir, name))) === expected,
      });
    }
    versions.push({
      version: entry.name,
      dir,
      files,
      bytes: files.reduce((sum, f) => sum + f.size, 0),
      partial: names.filter((n) => n.endsWith('.part')),
    });
  }
  return versions.sort((a, b) => compareK3sVersions(b.version, a.version));
}

/** Remove all but the `keep` newest versions; returns the versions removed. */
export async function pruneCache(cacheDir: string, keep: number): Promise<string[]> {
  const removed = (await listCache(cacheDir)).slice(keep);
  for (const version of removed) await rm(version.dir, { recursive: true, force: true });
  return removed.map((v) => v.version);
}

/** Release order: by x.y.z, a release candidate before its release, then by the k3s build number. */
export function compareK3sVersions(a: string, b: string): number {
  const parts = (v: string) => {
    const m = /^v(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.]+))?\+k3s(\d+)$/.exec(v);
    return m ? { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ?? null, build: Number(m[5]) } : null;
  };
  const x = parts(a);
  const y = parts(b);
  if (!x || !y) return a.localeCompare(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i]! - y.nums[i]!;
  if (x.pre !== y.pre) return x.pre === null ? 1 : y.pre === null ? -1 : x.pre.localeCompare(y.pre, 'en', { numeric: true });
  return x.build - y.build;
}
