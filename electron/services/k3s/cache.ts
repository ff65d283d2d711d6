/**
 * The host's cache of k3s releases (issue 24): a channel resolved to an exact version, and that
 * version's files fetched once into `<cache>/<version>/`, each checked against the release's
 * checksum list before it takes its final name. Up fills it with the lab's release and places that
 * in the lab's shared/ folder (jobs/k3sStep.ts, place.ts), which the provisioners install from.
 *
 * Release layout, from k3s-io/k3s: the binary is `k3s` on amd64 and `k3s-<arch>` otherwise
 * (scripts/package-cli, BIN_SUFFIX), the images `k3s-airgap-images-<arch>.tar` (scripts/package-airgap;
 * releases also carry the `.tar.zst` this fetches), and install.sh finds the binary's hash in
 * `sha256sum-<arch>.txt` with `grep " k3s${SUFFIX}$"`, taking the text before the blank
 * (install.sh, download_hash): sha256sum's `<hex>  <name>` lines.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
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
/** Every file of a version for one architecture, the checksum list first: what the guests install from. */
export const releaseFiles = (arch: K3sArch, images: boolean) => [
  checksumFile(arch),
  binaryFile(arch),
  ...(images ? [imagesFile(arch)] : []),
  INSTALL_SCRIPT,
];

/** The lab's guests run the host's own architecture under VirtualBox: arm64 on Apple silicon, amd64 elsewhere. */
export const guestK3sArch = (hostArch: string): K3sArch => (hostArch === 'arm64' ? 'arm64' : 'amd64');

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
    { ms: options.timeoutMs ?? DEFAULT_LIMITS.headersTimeoutMs, stall, file: `the k3s channel ${channel}`, env: options.env },
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
  const files = releaseFiles(arch, options.images);
  const present = async (file: string) => (await stat(path.join(dir, file)).catch(() => null))?.isFile() ?? false;
  const missing: string[] = [];
  for (const file of files) if (!(await present(file))) missing.push(file);
  if (missing.length === 0) return { version, dir, files, downloadedBytes: 0 };

  await makeFolders(dir);
  try {
    return await fetchMissing(options, dir, files, missing);
  } catch (error) {
    // A fetch that got nothing (a version the server does not have, offline) leaves no folder to
    // list as a version; one with a .part or a verified file stays, for the next fetch to finish.
    await rmdir(dir).catch(() => {});
    throw error;
  }
}

async function fetchMissing(options: FetchOptions, dir: string, files: string[], missing: string[]): Promise<FetchResult> {
  const { version, arch } = options;
  const sources = k3sSources(options.env);
  const releaseUrl = (file: string) => `${sources.releases}/${encodeURIComponent(version)}/${file}`;
  const assets = files.filter((file) => file !== checksumFile(arch) && file !== INSTALL_SCRIPT);
  let downloadedBytes = 0;
  const get = async (file: string, url: string, verify: (part: string, sha256: string) => Promise<void>) => {
    const part = path.join(dir, `${file}.part`);
    const downloaded = await downloadToPart({
      url,
      part,
      file,
      env: options.env,
      signal: options.signal,
      onProgress: options.onProgress,
      limits: options.limits,
    });
    downloadedBytes += downloaded.received;
    await verify(part, downloaded.sha256);
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
    await get(file, releaseUrl(file), async (part, actual) => {
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
  /** Checked again now against the version's checksum lists; null for install.sh and the lists, which have none, and for a file no release has (a .DS_Store). */
  verified: boolean | null;
}

export interface CachedVersion {
  version: string;
  dir: string;
  files: CachedFile[];
  bytes: number;
  /** `.part` files of an interrupted fetch, which the next fetch resumes. */
  partial: string[];
  /** When a `.part` last grew (ms since the epoch); null without one. A recent one may be a fetch running now. */
  partialChangedAt: number | null;
}

/** The files a release publishes with a checksum line, either architecture. */
const RELEASE_ASSETS: ReadonlySet<string> = new Set(K3S_ARCHES.flatMap((arch) => [binaryFile(arch), imagesFile(arch)]));

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
      files.push({
        name,
        size,
        verified: RELEASE_ASSETS.has(name) ? expected !== undefined && (await sha256(path.join(dir, name))) === expected : null,
      });
    }
    const partial = names.filter((n) => n.endsWith('.part'));
    const changed = await Promise.all(partial.map(async (n) => (await stat(path.join(dir, n)).catch(() => null))?.mtimeMs ?? 0));
    versions.push({
      version: entry.name,
      dir,
      files,
      bytes: files.reduce((sum, f) => sum + f.size, 0),
      partial,
      partialChangedAt: changed.length ? Math.max(...changed) : null,
    });
  }
  return versions.sort((a, b) => compareK3sVersions(b.version, a.version));
}

const mismatching = (version: CachedVersion) => version.files.some((f) => f.verified === false);
/** A version Up can place: a binary that matches its checksum line, and no release file that does not match. */
const complete = (version: CachedVersion) =>
  version.files.some((f) => K3S_ARCHES.some((arch) => f.name === binaryFile(arch)) && f.verified === true) && !mismatching(version);

/** A `.part` written to this recently may belong to a fetch running now (another window, the CLI). */
const FETCHING_MS = 10 * 60_000;

export interface PruneResult {
  removed: CachedVersion[];
  /** Each version kept, and why: a lab installs it, it is among the newest, or a fetch may be writing it. */
  kept: { version: CachedVersion; why: 'pinned' | 'newest' | 'fetching' }[];
}

/**
 * Keep the `keep` newest complete versions, every version in `pinned` (the releases known labs
 * install: removing one would send the next Up to the network) that is complete or half-fetched (its
 * `.part` resumes), and any version a fetch may be writing now; remove the rest. A pinned version
 * whose files do not match goes too: Up could not place it, and fetches it whole again.
 */
export async function pruneCache(cacheDir: string, keep: number, pinned: ReadonlySet<string> = new Set(), now = Date.now()): Promise<PruneResult> {
  const versions = await listCache(cacheDir);
  const newest = versions.filter((v) => !pinned.has(v.version) && complete(v)).slice(0, keep);
  const fetching = (v: CachedVersion) => v.partialChangedAt !== null && now - v.partialChangedAt < FETCHING_MS;
  const why = (v: CachedVersion): PruneResult['kept'][number]['why'] | null => {
    if (pinned.has(v.version) && (complete(v) || (v.partial.length > 0 && !mismatching(v)))) return 'pinned';
    if (newest.includes(v)) return 'newest';
    return fetching(v) ? 'fetching' : null;
  };
  const judged = versions.map((version) => ({ version, why: why(version) }));
  const removed = judged.flatMap(({ version, why: kept }) => (kept ? [] : [version]));
  for (const version of removed) await rm(version.dir, { recursive: true, force: true });
  return { removed, kept: judged.flatMap(({ version, why: kept }) => (kept ? [{ version, why: kept }] : [])) };
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
