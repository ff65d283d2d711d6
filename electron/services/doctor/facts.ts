/** Everything the doctor's rules read, gathered in one place: tools, host, kernel modules, Hyper-V, disks, NICs. */
import { readFile, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { HostFacts, HostInfo, ToolReport } from '../../../shared/host';
import { labSchema, MAX_AGENTS, type LabConfig } from '../../../shared/lab/schema';
import type { NicReport } from '../../../shared/nics';
import type { ServiceContext } from '../context';
import { hostFacts } from '../host';
import { k3sCacheDir, listCache, type CachedVersion } from '../k3s/cache';
import { openLab } from '../labFolder';
import { machineArch, procTranslated } from '../hostArch';
import { detectNics } from '../network';
import { runTool } from '../process';
import { installDirs, pathEntries } from '../toolSearch';
import { BOX_BYTES, FULL_CLONE_EXTRA_BYTES, NODE_DISK_BYTES } from './fit';

/** How big the lab is and where it bridges: what the doctor needs of it; any part may be missing before the wizard has it. */
export interface LabSizing {
  nodes: number;
  memoryMb: number;
  cpus: number;
  linkedClone: boolean;
  nic: string | null;
  /** The bridge as VirtualBox names it (`VBoxManage list bridgedifs`). */
  bridge: string | null;
  subnet: string | null;
  /** A pinned k3s release (`v1.33.5+k3s1`): its minor is checked against kubectl's. */
  k3sVersion: string | null;
}

export interface DiskSpace {
  /** What is kept there, for the message. */
  role: string;
  path: string;
  freeBytes: number;
  /** st_dev: two paths on one filesystem share their free space. */
  device: number;
  needBytes: number;
}

export interface DoctorFacts {
  host: HostInfo;
  tools: ToolReport;
  /** The folders on the PATH the app was started with. */
  pathDirs: string[];
  /** The folders installers use, searched after PATH (see `installDirs`). */
  installDirs: string[];
  sizing: LabSizing | null;
  /** Why the lab's settings could not be read (for `--dir`); null when they were. */
  labProblem: string | null;
  /** Linux: loaded kernel module names, null when /proc/modules could not be read. */
  modules: string[] | null;
  /** Windows: whether a hypervisor (Hyper-V, VBS, WSL 2) is running; null when unknown. */
  hypervisorPresent: boolean | null;
  /** macOS: whether VirtualBox's kernel extension (org.virtualbox.kext.VBoxDrv) is loaded; null when it could not be read. */
  vboxKextLoaded: boolean | null;
  disks: DiskSpace[];
  nics: NicReport | null;
  nicsProblem: string | null;
  k3sCache: K3sCacheFacts;
}

/** The host's k3s cache, each file hashed again (listCache). */
export interface K3sCacheFacts {
  dir: string;
  versions: CachedVersion[];
  /** Why it could not be read; null when it was (a cache not made yet is empty, not a problem). */
  problem: string | null;
}

/** The parts of the lab the doctor uses, from settings that may still be half filled in. */
export function sizingFrom(config: unknown): LabSizing | null {
  if (typeof config !== 'object' || config === null) return null;
  const lab = config as Partial<Record<keyof LabConfig, unknown>>;
  const vm = labSchema.shape.vm.safeParse(lab.vm);
  if (!vm.success) return null;
  const network = (lab.network ?? {}) as { nic?: unknown; bridge?: unknown; subnet?: unknown };
  const k3s = (lab.k3s ?? {}) as { source?: unknown; value?: unknown };
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return {
    // Agents count before their addresses are filled in, so their length is read, not their validity.
    nodes: 1 + (Array.isArray(lab.agents) ? Math.min(lab.agents.length, MAX_AGENTS) : 0),
    memoryMb: vm.data.memoryMb,
    cpus: vm.data.cpus,
    linkedClone: vm.data.linkedClone,
    nic: text(network.nic),
    bridge: text(network.bridge),
    subnet: text(network.subnet),
    // The exact release every node installs: pinned directly, or what the channel resolved to when the lab was written.
    k3sVersion: k3s.source === 'version' ? text(k3s.value) : text((k3s as { version?: unknown }).version),
  };
}

async function k3sCacheFacts(ctx: ServiceContext): Promise<K3sCacheFacts> {
  const dir = k3sCacheDir(ctx.platform, ctx.env, ctx.homeDir);
  try {
    return { dir, versions: await listCache(dir), problem: null };
  } catch (error) {
    return { dir, versions: [], problem: error instanceof Error ? error.message : String(error) };
  }
}

async function loadedModules(): Promise<string[] | null> {
  try {
    return (await readFile('/proc/modules', 'utf8'))
      .split('\n')
      .map((line) => line.split(' ')[0]!)
      .filter(Boolean);
  } catch {
    return null;
  }
}

/** Whether `kmutil showloaded` (macOS 11+) or, before it, `kextstat` lists VirtualBox's driver; null when neither answers. */
export function kextLoaded(output: string | null): boolean | null {
  return output === null ? null : /\borg\.virtualbox\.kext\.VBoxDrv\b/.test(output);
}

async function vboxKextListing(ctx: ServiceContext): Promise<string | null> {
  for (const [file, args] of [
    ['/usr/bin/kmutil', ['showloaded', '--list-only']],
    ['/usr/sbin/kextstat', ['-l']],
  ] as const) {
    const result = await runTool(file, args, { env: ctx.env, timeoutMs: 15_000 });
    if (result.exitCode === 0) return result.stdout;
  }
  return null;
}

async function hypervisorPresent(ctx: ServiceContext): Promise<boolean | null> {
  const result = await runTool(
    'powershell.exe',
    ['-NoProfile', '-NonInteractive', '-Command', '(Get-CimInstance Win32_ComputerSystem).HypervisorPresent'],
    { env: ctx.env, timeoutMs: 15_000 },
  );
  const answer = result.stdout.trim().toLowerCase();
  return answer === 'true' ? true : answer === 'false' ? false : null;
}

/** The nearest folder that exists at or above `dir`: a lab folder may not be made yet. */
async function existingAncestor(dir: string): Promise<string> {
  let current = path.resolve(dir);
  for (;;) {
    const isDir = await stat(current).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isDir || path.dirname(current) === current) return current;
    current = path.dirname(current);
  }
}

async function diskSpace(role: string, dir: string, needBytes: number): Promise<DiskSpace | null> {
  try {
    const at = await existingAncestor(dir);
    const [fs, st] = await Promise.all([statfs(at), stat(at)]);
    return { role, path: dir, freeBytes: fs.bavail * fs.bsize, device: st.dev, needBytes };
  } catch {
    return null;
  }
}

function diskNeeds(ctx: ServiceContext, sizing: LabSizing, labDir: string | undefined): Promise<DiskSpace | null>[] {
  const perNode = NODE_DISK_BYTES + (sizing.linkedClone ? 0 : FULL_CLONE_EXTRA_BYTES);
  const vagrantHome = ctx.env.VAGRANT_HOME || path.join(ctx.homeDir, '.vagrant.d');
  const spaces = [
    diskSpace('the Vagrant box', vagrantHome, BOX_BYTES),
    diskSpace("the VMs' disks (VirtualBox's default machine folder)", path.join(ctx.homeDir, 'VirtualBox VMs'), sizing.nodes * perNode),
  ];
  if (labDir) spaces.push(diskSpace('the lab folder (logs, shared files)', labDir, 256 * 2 ** 20));
  return spaces;
}

/** Everything the rules read, for the lab in `dir` (or the half-filled `config` of the wizard). */
export async function gatherFacts(
  ctx: ServiceContext,
  args: { dir?: string; config?: unknown } = {},
): Promise<{ host: HostFacts; facts: DoctorFacts }> {
  let sizing: LabSizing | null = null;
  let labProblem: string | null = null;
  if (args.config !== undefined) sizing = sizingFrom(args.config);
  else if (args.dir) {
    try {
      sizing = sizingFrom(await openLab(args.dir));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      labProblem = error.message;
    }
  }
  const nicsPromise = sizing?.nic
    ? detectNics(ctx, { refresh: true }).then(
        (report) => ({ report, problem: null }),
        (error: unknown) => ({ report: null, problem: error instanceof Error ? error.message : String(error) }),
      )
    : Promise.resolve({ report: null, problem: null });
  const mac = ctx.platform === 'darwin';
  const [found, modules, hypervisor, translated, kexts, disks, nics, k3sCache] = await Promise.all([
    hostFacts(ctx),
    ctx.platform === 'linux' ? loadedModules() : Promise.resolve(null),
    ctx.platform === 'win32' ? hypervisorPresent(ctx) : Promise.resolve(null),
    procTranslated(ctx),
    mac ? vboxKextListing(ctx) : Promise.resolve(null),
    sizing ? Promise.all(diskNeeds(ctx, sizing, args.dir)) : Promise.resolve([]),
    nicsPromise,
    k3sCacheFacts(ctx),
  ]);
  const facts = { ...found, host: { ...found.host, arch: machineArch(ctx.platform, found.host.arch, translated) } };
  const gathered: DoctorFacts = {
    ...facts,
    pathDirs: pathEntries(ctx.platform, ctx.env),
    installDirs: installDirs(ctx.platform, ctx.env),
    sizing,
    labProblem,
    modules,
    hypervisorPresent: hypervisor,
    vboxKextLoaded: kextLoaded(kexts),
    disks: disks.filter((d): d is DiskSpace => d !== null),
    nics: nics.report,
    nicsProblem: nics.problem,
    k3sCache,
  };
  return { host: facts, facts: gathered };
}
