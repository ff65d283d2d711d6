/** `cluster-lab k3s`: the host's cache of k3s releases (issue 24), which Up fills and places a lab's release from. */
import os from 'node:os';
import { formatBytes as size } from '../../shared/bytes';
import { AppError } from '../../shared/errors';
import { hostMachineArch } from '../services/hostArch';
import { fetchRelease, guestK3sArch, K3S_ARCHES, k3sCacheDir, listCache, pruneCache, resolveChannel, type K3sArch } from '../services/k3s/cache';
import { progressLines } from '../services/k3s/download';
import { labK3sVersions } from '../services/labs/list';
import { FlagError, parseFlags, printJson, type Command, type CommandIo } from './command';

const usage = `Usage: cluster-lab k3s fetch (--version V | --channel C) [--arch amd64|arm64] [--no-images]
       cluster-lab k3s list [--json]
       cluster-lab k3s prune [--keep N]
Keeps k3s releases in this computer's cache: fetch downloads a version's binary, checksums, air-gap
images and install.sh once, each verified, resuming where an interrupted fetch stopped (Ctrl-C cancels),
for the architecture this computer's VMs run unless --arch says (arm64 on Apple silicon, Rosetta or
not); list shows the versions, their files and sizes, each file checked again; prune keeps the N newest
complete versions (1) and every version a lab in Your labs installs, and removes the rest.
Up fetches a lab's release itself; fetch fills the cache ahead (before going offline, say).
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
    if (sub === 'fetch') return fetch(rest, env, cacheDir, io, guestK3sArch(await hostMachineArch(services.ctx)));
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
      const pinned = await labK3sVersions(services.ctx);
      const { removed, kept } = await pruneCache(cacheDir, keep, new Set(pinned.keys()));
      const installs = (version: string) => {
        const labs = pinned.get(version)!;
        return labs.length === 1 ? `lab ${labs[0]} installs` : `labs ${labs.join(', ')} install`;
      };
      io.out(removed.length ? `Removed ${removed.map((v) => v.version).join(', ')} from ${cacheDir}.\n` : `Nothing to remove from ${cacheDir}.\n`);
      for (const v of removed.filter((r) => pinned.has(r.version)))
        io.out(`${v.version} was incomplete or did not match its checksums, and ${installs(v.version)} it: the next Up fetches it whole again.\n`);
      for (const { version: v, why } of kept) {
        if (why === 'pinned') io.out(`Kept ${v.version}: ${installs(v.version)} it.\n`);
        if (why === 'fetching')
          io.out(`Kept ${v.version}: a fetch may be writing it now (${v.partial.join(', ')} changed in the last 10 minutes).\n`);
      }
      return 0;
    }
    throw new FlagError(
      sub ?? '',
      sub ? `unknown k3s command '${sub}': one of ${subcommands.join(', ')}.` : `k3s needs a command: ${subcommands.join(', ')}.`,
      usage.split('\n')[0],
    );
  },
};

async function fetch(argv: string[], env: NodeJS.ProcessEnv, cacheDir: string, io: CommandIo, hostArch: K3sArch): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      version: { type: 'string' },
      channel: { type: 'string' },
      arch: { type: 'string', default: hostArch },
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
      onProgress: progressLines((line) => io.err(`${line}\n`)),
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
