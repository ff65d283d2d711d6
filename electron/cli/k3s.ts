/** `cluster-lab k3s`: the host's cache of k3s releases (issue 24), which the lab's provisioners do not use yet. */
import os from 'node:os';
import { AppError } from '../../shared/errors';
import { fetchRelease, K3S_ARCHES, k3sCacheDir, listCache, pruneCache, resolveChannel, type K3sArch } from '../services/k3s/cache';
import type { DownloadProgress } from '../services/k3s/download';
import { FlagError, parseFlags, printJson, type Command, type CommandIo } from './command';

const usage = `Usage: cluster-lab k3s fetch (--version V | --channel C) [--arch amd64|arm64] [--no-images]
       cluster-lab k3s list [--json]
       cluster-lab k3s prune [--keep N]
Keeps k3s releases in this computer's cache: fetch downloads a version's binary, checksums, air-gap
images and install.sh once, each verified, resuming where an interrupted fetch stopped (Ctrl-C cancels);
list shows the versions, their files and sizes, each file checked again; prune keeps the N newest (1).
The lab's provisioners do not use this cache yet.
`;

const subcommands = ['fetch', 'list', 'prune'];

export const k3sCommand: Command = {
  name: 'k3s',
  summary: 'fetch, list and prune the cached k3s releases',
  usage,
  async run(argv, services, io) {
    const [sub, ...rest] = argv;
    const { env, platform, homeDir } = services.ctx;
    const cacheDir = k3sCacheDir(platform, env, homeDir);
    if (sub === 'fetch') return fetch(rest, env, cacheDir, io);
    if (sub === 'list') {
      const { values } = parseFlags(rest, { json: { type: 'boolean', default: false } }, usage);
      const versions = await listCache(cacheDir);
      if (values.json) {
        printJson(io, { cacheDir, versions: versions.map(({ version, bytes, files, partial }) => ({ version, bytes, files, partial })) });
        return 0;
      }
      if (versions.length === 0) io.out(`No k3s versions in ${cacheDir}.\n`);
      else io.out(`${cacheDir}\n`);
      for (const v of versions) {
        io.out(`${v.version}  ${size(v.bytes)}${v.partial.length ? `  (interrupted: ${v.partial.join(', ')})` : ''}\n`);
        for (const f of v.files)
          io.out(
            `  ${f.name.padEnd(36)}${size(f.size).padStart(10)}  ${f.verified === null ? '' : f.verified ? 'verified' : 'DOES NOT MATCH its checksum'}\n`,
          );
      }
      return versions.some((v) => v.files.some((f) => f.verified === false)) ? 1 : 0;
    }
    if (sub === 'prune') {
      const { values } = parseFlags(rest, { keep: { type: 'string', default: '1' } }, usage);
      const keep = Number(values.keep);
      if (!Number.isInteger(keep) || keep < 0)
        throw new FlagError('--keep', `--keep must be a whole number (0 or more), not '${values.keep}'.`, usage.split('\n')[0]);
      const removed = await pruneCache(cacheDir, keep);
      io.out(removed.length ? `Removed ${removed.join(', ')} from ${cacheDir}.\n` : `Nothing to remove from ${cacheDir}.\n`);
      return 0;
    }
    throw new FlagError(
      sub ?? '',
      sub ? `unknown k3s command '${sub}': one of ${subcommands.join(', ')}.` : `k3s needs a command: ${subcommands.join(', ')}.`,
      usage.split('\n')[0],
    );
  },
};

async function fetch(argv: string[], env: NodeJS.ProcessEnv, cacheDir: string, io: CommandIo): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      version: { type: 'string' },
      channel: { type: 'string' },
      arch: { type: 'string', default: 'amd64' },
      'no-images': { type: 'boolean', default: false },
    },
    usage,
  );
  const hint = usage.split('\n')[0];
  if (!values.version === !values.channel)
    throw new FlagError('--version', 'give one of --version (e.g. v1.33.1+k3s1) or --channel (e.g. stable).', hint);
  if (!(K3S_ARCHES as readonly string[]).includes(values.arch))
    throw new FlagError('--arch', `--arch is one of ${K3S_ARCHES.join(', ')}, not '${values.arch}'.`, hint);
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  const off = io.onInterrupt?.((signal) => {
    interrupted = signal;
    controller.abort();
  });
  try {
    const version = values.version ?? (await resolveChannel(values.channel!, { env, signal: controller.signal }));
    if (values.channel) io.err(`Channel ${values.channel} is ${version}.\n`);
    const result = await fetchRelease({
      version,
      arch: values.arch as K3sArch,
      images: !values['no-images'],
      cacheDir,
      env,
      signal: controller.signal,
      onProgress: progressPrinter(io),
    });
    io.out(
      result.downloadedBytes === 0
        ? `${version} is already in ${result.dir}.\n`
        : `Fetched ${version} (${size(result.downloadedBytes)} downloaded) into ${result.dir}: ${result.files.join(', ')}.\n`,
    );
    return 0;
  } catch (error) {
    if (interrupted && error instanceof AppError && error.code === 'cancelled') {
      io.err(`Cancelled: what was downloaded stays as .part files in ${cacheDir}; the next fetch resumes it.\n`);
      return 128 + os.constants.signals[interrupted];
    }
    throw error;
  } finally {
    off?.();
  }
}

/** A line on stderr per file about once a second, and when it completes. */
function progressPrinter(io: CommandIo): (p: DownloadProgress) => void {
  let last = { file: '', at: 0 };
  return (p) => {
    const done = p.total !== null && p.bytes === p.total;
    const now = Date.now();
    if (!done && p.file === last.file && now - last.at < 1000) return;
    last = { file: p.file, at: now };
    const left = done || p.etaSeconds === null ? '' : `, ${Math.ceil(p.etaSeconds)} s left`;
    io.err(`${p.file}: ${size(p.bytes)}${p.total === null ? '' : ` of ${size(p.total)}`}, ${size(p.rate)}/s${left}\n`);
  };
}

function size(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
