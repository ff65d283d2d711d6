/**
 * The preflight: what will go wrong before it does. `doctorChecks` is pure (facts in, checks out)
 * so every rule is tested without the machine; `runDoctor` only gathers the facts: tools,
 * /proc/modules, Hyper-V, free disk and the NICs.
 */
import { readFile, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Check, CheckStatus, DoctorReport } from '../../shared/doctor';
import { bridgeProblem } from '../../shared/bridgedifs';
import { AppError } from '../../shared/errors';
import { toolMeta, toolNames, type HostInfo, type ToolInfo, type ToolName, type ToolReport } from '../../shared/host';
import { formatCidr, inSubnet, parseCidr, parseIPv4 } from '../../shared/lab/net';
import { labSchema, MAX_AGENTS, type LabConfig } from '../../shared/lab/schema';
import type { NicReport } from '../../shared/nics';
import { RECURSION_BLOCK_SINCE } from '../../shared/telepresence';
import type { ServiceContext } from './context';
import { hostFacts } from './host';
import { openLab } from './labFolder';
import { detectNics } from './network';
import { runTool } from './process';
import { compareVersions, extraToolDirs } from './tools';

/**
 * The oldest versions the lab runs with, and why:
 * - Vagrant 2.3.4: 2.3.2 added VirtualBox 7.0 and 2.3.3/2.3.4 fixed its host-only and DHCP handling;
 *   2.3.4 is also the release whose real output Cluster Lab is checked against (and Debian 12's).
 * - VirtualBox 7.0: 6.1 left Oracle's support in January 2024 (6.1.50 was the last) and breaks on
 *   current kernels; 7.0 still runs the lab with Vagrant 2.3.4 but left support in March 2025, so it
 *   is a warning. On Apple silicon 7.1 is the first release that runs VMs at all.
 * - kubectl 1.32: kubectl is supported within one minor version of the API server, and the oldest
 *   Kubernetes minor still maintained when this was written (and so the oldest k3s stable can be) is 1.33.
 */
export const minimumVersions = { vagrant: '2.3.4', VBoxManage: '7.0.0', kubectl: '1.32.0' } as const;
const APPLE_SILICON_VIRTUALBOX = '7.1.0';
/** The oldest VirtualBox line Oracle still supports. */
const SUPPORTED_VIRTUALBOX = '7.1.0';
/** The first Vagrant release that drives each VirtualBox line (from Vagrant's changelog). */
const vagrantForVirtualBox: [virtualBox: string, vagrant: string][] = [
  ['7.0', '2.3.2'],
  ['7.1', '2.4.2'],
  ['7.2', '2.4.9'],
];
/**
 * Linux 6.12 made KVM take VT-x/AMD-V as soon as its module loads (`kvm.enable_virt_at_load=1`), not
 * only while a KVM VM runs, and VirtualBox then refuses to start VMs (VERR_VMX_IN_VMX_ROOT_MODE /
 * VERR_SVM_IN_USE). VirtualBox 7.2.10 is reported to share an idle KVM again.
 */
const KVM_TAKES_VTX_AT_LOAD = '6.12';
const VIRTUALBOX_SHARES_IDLE_KVM = '7.2.10';

const GiB = 2 ** 30;
/** Room the host keeps for itself, its desktop and a browser, whatever the VMs get. */
export const HOST_MEMORY_RESERVE = 2 * GiB;
/** A Vagrant box as kept under ~/.vagrant.d/boxes (the Bento Ubuntu box is about 1 GiB unpacked; with room for an update). */
export const BOX_BYTES = 2 * GiB;
/** What one node's disk grows to: k3s, its images, apt's cache, and the registry's first images on the server. */
export const NODE_DISK_BYTES = 4 * GiB;
/** A full clone copies the box's disk into every VM; a linked clone shares one copy. */
export const FULL_CLONE_EXTRA_BYTES = 2 * GiB;
/** Free space a disk should still have after the lab, so the host does not run dry. */
export const DISK_HEADROOM = 5 * GiB;

/** What the doctor needs to know about the planned lab; any part may be missing before the wizard has it. */
export interface LabPlan {
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
  /** The folders installers use, searched after PATH (see `extraToolDirs`). */
  installDirs: string[];
  plan: LabPlan | null;
  /** Why the lab's settings could not be read (for `--dir`); null when they were. */
  planProblem: string | null;
  /** Linux: loaded kernel module names, null when /proc/modules could not be read. */
  modules: string[] | null;
  /** Windows: whether a hypervisor (Hyper-V, VBS, WSL 2) is running; null when unknown. */
  hypervisorPresent: boolean | null;
  disks: DiskSpace[];
  nics: NicReport | null;
  nicsProblem: string | null;
}

const check = (id: string, status: CheckStatus, message: string, fix = ''): Check => ({ id, status, message, fix });
const minor = (version: string) => version.split('.').slice(0, 2).join('.');
const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;

function toolCheck(tool: ToolName, info: ToolInfo, minimum: string | null): Check {
  const meta = toolMeta[tool];
  const id = `tool-${tool.toLowerCase()}`;
  if (!info.found) return check(id, meta.required ? 'fail' : 'warn', `${meta.label} is not installed (${meta.purpose}).`, meta.installHint);
  if (!info.version)
    return check(
      id,
      'warn',
      `${meta.label} was found at ${info.path} but its version could not be read (${info.error ?? 'unknown output'}).`,
      `Run "${info.path} --version" in a terminal to see what is wrong; reinstall ${meta.label} if it does not answer.`,
    );
  if (minimum && compareVersions(info.version, minimum) < 0)
    return check(
      id,
      'fail',
      `${meta.label} ${info.version} is too old: the lab needs ${minimum} or later.`,
      `Update ${meta.label} to ${minimum} or later. ${meta.installHint}`,
    );
  return check(id, 'ok', `${meta.label} ${info.version} at ${info.path}.`);
}

function virtualBoxCheck(info: ToolInfo): Check {
  const base = toolCheck('VBoxManage', info, minimumVersions.VBoxManage);
  if (base.status !== 'ok' || !info.version || compareVersions(info.version, SUPPORTED_VIRTUALBOX) >= 0) return base;
  return check(
    'tool-vboxmanage',
    'warn',
    `VirtualBox ${info.version} runs the lab, but the ${minor(info.version)} line no longer gets fixes from Oracle.`,
    `Update to VirtualBox ${minor(SUPPORTED_VIRTUALBOX)} or later when you can (it needs Vagrant 2.4.2 or later).`,
  );
}

function telepresenceCheck(info: ToolInfo): Check {
  const base = toolCheck('telepresence', info, null);
  if (base.status !== 'ok' || !info.version || compareVersions(info.version, RECURSION_BLOCK_SINCE) >= 0) return base;
  return check(
    'tool-telepresence',
    'warn',
    `Telepresence ${info.version} does not read routing.recursionBlockDuration (it arrived in ${minor(RECURSION_BLOCK_SINCE)}); the bridged lab alone keeps the cluster away from its VIF.`,
    `Update Telepresence to ${minor(RECURSION_BLOCK_SINCE)} or later if you also want the client-side guard.`,
  );
}

function vagrantVirtualBoxCheck(tools: ToolReport): Check | null {
  const vagrant = tools.vagrant.version;
  const vbox = tools.VBoxManage.version;
  if (!vagrant || !vbox) return null;
  const line = minor(vbox);
  const known = vagrantForVirtualBox.find(([v]) => v === line);
  const newest = vagrantForVirtualBox[vagrantForVirtualBox.length - 1]!;
  if (known && compareVersions(vagrant, known[1]) < 0)
    return check(
      'vagrant-virtualbox',
      'fail',
      `Vagrant ${vagrant} does not drive VirtualBox ${line}: that needs Vagrant ${known[1]} or later, and vagrant up would stop with "VirtualBox version not supported".`,
      `Update Vagrant to ${known[1]} or later (or use a VirtualBox that Vagrant ${vagrant} supports).`,
    );
  if (!known && compareVersions(line, newest[0]) > 0)
    return check(
      'vagrant-virtualbox',
      'warn',
      `VirtualBox ${vbox} is newer than any line this Cluster Lab knows Vagrant support for (up to ${newest[0]}).`,
      'If vagrant up says the VirtualBox version is not supported, update Vagrant to its newest release.',
    );
  return check('vagrant-virtualbox', 'ok', `Vagrant ${vagrant} supports VirtualBox ${line}.`);
}

/** Where each tool was found: a Dock- or Finder-started app has no shell PATH, so the install folders matter. */
function toolLocationsCheck(facts: DoctorFacts): Check | null {
  const found = toolNames.filter((t) => facts.tools[t].path);
  if (!found.length) return null;
  const onPath = new Set(facts.pathDirs.map((d) => path.resolve(d)));
  const outside: string[] = [];
  const parts = found.map((tool) => {
    const dir = path.dirname(facts.tools[tool].path!);
    const fromPath = onPath.has(path.resolve(dir));
    if (!fromPath) outside.push(toolMeta[tool].label);
    return `${toolMeta[tool].label} in ${dir}${fromPath ? '' : ' (an install folder, not on PATH)'}`;
  });
  const message = `Found ${parts.join('; ')}.`;
  if (!outside.length) return check('tool-locations', 'ok', message);
  return check(
    'tool-locations',
    'ok',
    `${message} ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not on this app's PATH (an app started from the Dock or Finder does not get the shell's), so Cluster Lab runs ${outside.length === 1 ? 'it' : 'them'} from there.`,
    `Nothing to do. Cluster Lab also looks in ${facts.installDirs.join(', ')}.`,
  );
}

function kernelChecks(facts: DoctorFacts): Check[] {
  const { host, modules, tools } = facts;
  if (host.platform !== 'linux') return [];
  if (!modules)
    return [
      check(
        'kernel-modules',
        'warn',
        'Could not read /proc/modules, so KVM and vboxdrv were not checked.',
        'Run "lsmod | grep -E \'kvm|vbox\'" to check by hand.',
      ),
    ];
  const checks: Check[] = [];
  const kvm = modules.filter((m) => m === 'kvm_intel' || m === 'kvm_amd');
  if (kvm.length) {
    const vbox = tools.VBoxManage.version;
    const blocked =
      compareVersions(host.release, KVM_TAKES_VTX_AT_LOAD) >= 0 &&
      !!tools.VBoxManage.found &&
      !(vbox && compareVersions(vbox, VIRTUALBOX_SHARES_IDLE_KVM) >= 0);
    checks.push(
      check(
        'kvm',
        blocked ? 'fail' : 'warn',
        blocked
          ? `KVM (${kvm.join(', ')}) is loaded, and on this kernel it holds VT-x/AMD-V from the moment it loads: VirtualBox cannot start any VM while it does.`
          : `KVM (${kvm.join(', ')}) is loaded: while a KVM VM runs (libvirt, GNOME Boxes, an Android emulator), VirtualBox cannot start VMs.`,
        `Stop KVM VMs, then unload it: "sudo modprobe -r ${kvm.join(' ')} kvm" (to keep it from loading at boot, blacklist ${kvm.join(' and ')} in /etc/modprobe.d).`,
      ),
    );
  } else checks.push(check('kvm', 'ok', 'KVM is not loaded, so VirtualBox can use VT-x/AMD-V.'));
  if (tools.VBoxManage.found) {
    checks.push(
      modules.includes('vboxdrv')
        ? check('vboxdrv', 'ok', 'The VirtualBox kernel module (vboxdrv) is loaded.')
        : check(
            'vboxdrv',
            'fail',
            'VirtualBox is installed but its kernel module vboxdrv is not loaded, so no VM can start.',
            'Run "sudo /sbin/vboxconfig" (it builds the module for this kernel; with Secure Boot, sign it or enrol the key), then Re-check.',
          ),
    );
  }
  return checks;
}

function platformChecks(facts: DoctorFacts): Check[] {
  const { host, tools } = facts;
  if (host.platform === 'darwin' && host.arch === 'arm64') {
    const vbox = tools.VBoxManage.version;
    if (vbox && compareVersions(vbox, APPLE_SILICON_VIRTUALBOX) < 0)
      return [
        check(
          'apple-silicon',
          'fail',
          `VirtualBox ${vbox} cannot run VMs on Apple silicon: ${minor(APPLE_SILICON_VIRTUALBOX)} is the first release that does.`,
          `Install VirtualBox ${minor(APPLE_SILICON_VIRTUALBOX)} or later for "macOS / Apple Silicon hosts" from https://www.virtualbox.org/wiki/Downloads.`,
        ),
      ];
    return [
      check(
        'apple-silicon',
        'ok',
        'This Mac has Apple silicon: VirtualBox runs arm64 guests only, so the box must have an arm64 build (bento/ubuntu-24.04 has one).',
        vbox ? '' : `Install VirtualBox ${minor(APPLE_SILICON_VIRTUALBOX)} or later for "macOS / Apple Silicon hosts".`,
      ),
    ];
  }
  if (host.platform === 'win32' && facts.hypervisorPresent) {
    return [
      check(
        'hyperv',
        'warn',
        'Hyper-V (or WSL 2, Virtual Machine Platform, or memory integrity) is running, so VirtualBox has to run VMs through it: much slower, and some VMs fail to boot.',
        'If the VMs are slow or fail, turn Hyper-V off ("bcdedit /set hypervisorlaunchtype off" in an administrator prompt, then restart) — WSL 2 and Docker Desktop stop working while it is off.',
      ),
    ];
  }
  if (host.platform === 'win32' && facts.hypervisorPresent === false)
    return [check('hyperv', 'ok', 'Hyper-V is not running, so VirtualBox has VT-x/AMD-V to itself.')];
  return [];
}

function kubectlSkewCheck(facts: DoctorFacts): Check | null {
  const kubectl = facts.tools.kubectl.version;
  const k3s = facts.plan?.k3sVersion?.replace(/^v/, '');
  if (!kubectl || !k3s) return null;
  const [km, kn] = kubectl.split('.').map(Number);
  const [sm, sn] = k3s.split('.').map(Number);
  if (km !== sm || Math.abs(kn! - sn!) > 1)
    return check(
      'kubectl-skew',
      'warn',
      `kubectl ${minor(kubectl)} and k3s ${minor(k3s)} are more than one minor version apart, outside Kubernetes' supported skew.`,
      `Install kubectl ${minor(k3s)} (or one minor either side), or pin a k3s release near ${minor(kubectl)}.`,
    );
  return check('kubectl-skew', 'ok', `kubectl ${minor(kubectl)} is within one minor version of k3s ${minor(k3s)}.`);
}

function sizeChecks(facts: DoctorFacts): Check[] {
  const { plan, host } = facts;
  if (!plan) return [];
  const vmBytes = plan.nodes * plan.memoryMb * 2 ** 20;
  const checks: Check[] = [];
  const what = `${plan.nodes} VM${plan.nodes === 1 ? '' : 's'} × ${plan.memoryMb} MB = ${gib(vmBytes)}`;
  if (vmBytes + HOST_MEMORY_RESERVE > host.totalMemoryBytes)
    checks.push(
      check(
        'memory',
        'fail',
        `The lab does not fit in memory: ${what} of this computer's ${gib(host.totalMemoryBytes)}, leaving less than ${gib(HOST_MEMORY_RESERVE)} for the host.`,
        'Give each VM less memory (2048 MB works for a small lab) or use fewer agents.',
      ),
    );
  else if (vmBytes > host.totalMemoryBytes * 0.75)
    checks.push(
      check(
        'memory',
        'warn',
        `The lab takes ${what}, more than three quarters of this computer's ${gib(host.totalMemoryBytes)}: the host will be tight while it runs.`,
        'Close other programs while the lab runs, or give each VM less memory.',
      ),
    );
  else checks.push(check('memory', 'ok', `The lab takes ${what} of this computer's ${gib(host.totalMemoryBytes)}.`));

  const vcpus = plan.nodes * plan.cpus;
  if (plan.cpus > host.cpus)
    checks.push(
      check(
        'cpus',
        'fail',
        `Each VM has ${plan.cpus} vCPUs but this computer has ${host.cpus} CPUs: VirtualBox will not give a VM more CPUs than the host has.`,
        `Set CPUs per VM to ${host.cpus} or fewer.`,
      ),
    );
  else if (vcpus > host.cpus)
    checks.push(
      check(
        'cpus',
        'warn',
        `The lab has ${vcpus} vCPUs on ${host.cpus} CPUs: they will share, so provisioning is slower.`,
        'Fine for a lab; give each VM fewer CPUs if the host feels slow.',
      ),
    );
  else checks.push(check('cpus', 'ok', `The lab has ${vcpus} vCPUs on ${host.cpus} CPUs.`));
  return checks;
}

/** Free space per filesystem: spaces on one device share what it has. */
function diskCheck(disks: DiskSpace[]): Check | null {
  if (!disks.length) return null;
  const byDevice = new Map<number, DiskSpace[]>();
  for (const disk of disks) byDevice.set(disk.device, [...(byDevice.get(disk.device) ?? []), disk]);
  const results = [...byDevice.values()].map((group) => {
    const need = group.reduce((n, d) => n + d.needBytes, 0);
    const free = group[0]!.freeBytes;
    const where = group.map((d) => `${d.role} (${d.path})`).join(' and ');
    return free < need
      ? check(
          'disk',
          'fail',
          `Not enough disk: ${where} need about ${gib(need)}, and that disk has ${gib(free)} free.`,
          'Free some space on that disk, or choose a lab folder on another one.',
        )
      : free - need < DISK_HEADROOM
        ? check(
            'disk',
            'warn',
            `Disk is tight: ${where} need about ${gib(need)} of the ${gib(free)} free, leaving under ${gib(DISK_HEADROOM)}.`,
            'Free some space before the VMs grow.',
          )
        : check('disk', 'ok', `${where[0]!.toUpperCase()}${where.slice(1)}: about ${gib(need)} needed, ${gib(free)} free.`);
  });
  const problem = results.find((r) => r.status === 'fail') ?? results.find((r) => r.status === 'warn');
  return problem ?? check('disk', 'ok', results.map((r) => r.message).join(' '));
}

function nicCheck(facts: DoctorFacts): Check | null {
  const nicName = facts.plan?.nic;
  if (!nicName) return null;
  if (!facts.nics)
    return check(
      'nic',
      'warn',
      `Could not list this computer's network interfaces: ${facts.nicsProblem ?? 'unknown error'}.`,
      'Re-check; if it persists, check the NIC by hand before Up.',
    );
  const nic = facts.nics.nics.find((n) => n.name === nicName);
  const choose = 'Go back to the Network step and pick the NIC you are connected with, then let the Addresses step plan again.';
  if (!nic) return check('nic', 'fail', `The lab bridges onto ${nicName}, which no longer exists on this computer.`, choose);
  if (!nic.ipv4 || nic.prefixLength === null)
    return check(
      'nic',
      'fail',
      `${nicName} has no IPv4 address now: it is not connected to a network.`,
      `Connect ${nicName} (plug in the cable or join the Wi-Fi), then Re-check. ${choose}`,
    );
  const planned = facts.plan?.subnet ? parseCidr(facts.plan.subnet) : null;
  const address = parseIPv4(nic.ipv4);
  if (planned && address !== null && !inSubnet(planned, address))
    return check(
      'nic',
      'fail',
      `${nicName} is now ${nic.ipv4}/${nic.prefixLength}, outside the lab's ${formatCidr(planned)}: this computer is on another network than when the lab was planned, and the VMs' static addresses would not work.`,
      `Reconnect to the network the lab was planned on, or plan the addresses again for this one (Addresses step). ${choose}`,
    );
  if (nic.excluded) return check('nic', 'warn', `${nicName} is up but cannot be bridged: ${nic.excluded}.`, choose);
  return check('nic', 'ok', `${nicName} is up at ${nic.ipv4}/${nic.prefixLength}${planned ? `, inside the lab's ${formatCidr(planned)}` : ''}.`);
}

/** Whether Vagrant will take the lab's bridge, judged on what VirtualBox lists as Vagrant judges it. */
function bridgeCheck(facts: DoctorFacts): Check | null {
  const bridge = facts.plan?.bridge;
  const entries = facts.nics?.bridges;
  if (!bridge || !entries) return null;
  const problem = bridgeProblem(bridge, entries);
  if (problem) return check('bridge', 'fail', problem.message, problem.hint);
  return check('bridge', 'ok', `VirtualBox offers the bridge "${bridge}" and reports it up: Vagrant will use it without asking.`);
}

/** Every check, in the order a person fixes things: tools, the machine, the lab's fit, the network. */
export function doctorChecks(facts: DoctorFacts): Check[] {
  const { tools } = facts;
  const checks: (Check | null)[] = [
    toolCheck('vagrant', tools.vagrant, minimumVersions.vagrant),
    virtualBoxCheck(tools.VBoxManage),
    toolCheck('kubectl', tools.kubectl, minimumVersions.kubectl),
    telepresenceCheck(tools.telepresence),
    vagrantVirtualBoxCheck(tools),
    kubectlSkewCheck(facts),
    toolLocationsCheck(facts),
    ...kernelChecks(facts),
    ...platformChecks(facts),
    facts.planProblem ? check('lab', 'fail', facts.planProblem, 'Choose a lab folder Cluster Lab wrote, or fix its lab.json.') : null,
    ...sizeChecks(facts),
    diskCheck(facts.disks),
    nicCheck(facts),
    bridgeCheck(facts),
  ];
  return checks.filter((c): c is Check => c !== null);
}

/** The parts of the lab the doctor uses, from settings that may still be half filled in. */
export function planFrom(config: unknown): LabPlan | null {
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
    k3sVersion: k3s.source === 'version' ? text(k3s.value) : null,
  };
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

function diskNeeds(ctx: ServiceContext, plan: LabPlan, labDir: string | undefined): Promise<DiskSpace | null>[] {
  const perNode = NODE_DISK_BYTES + (plan.linkedClone ? 0 : FULL_CLONE_EXTRA_BYTES);
  const vagrantHome = ctx.env.VAGRANT_HOME || path.join(ctx.homeDir, '.vagrant.d');
  const spaces = [
    diskSpace('the Vagrant box', vagrantHome, BOX_BYTES),
    diskSpace("the VMs' disks (VirtualBox's default machine folder)", path.join(ctx.homeDir, 'VirtualBox VMs'), plan.nodes * perNode),
  ];
  if (labDir) spaces.push(diskSpace('the lab folder (logs, shared files)', labDir, 256 * 2 ** 20));
  return spaces;
}

export async function runDoctor(ctx: ServiceContext, args: { dir?: string; config?: unknown } = {}): Promise<DoctorReport> {
  let plan: LabPlan | null = null;
  let planProblem: string | null = null;
  if (args.config !== undefined) plan = planFrom(args.config);
  else if (args.dir) {
    try {
      plan = planFrom(await openLab(args.dir));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      planProblem = error.message;
    }
  }
  const nicsPromise = plan?.nic
    ? detectNics(ctx, { refresh: true }).then(
        (report) => ({ report, problem: null }),
        (error: unknown) => ({ report: null, problem: error instanceof Error ? error.message : String(error) }),
      )
    : Promise.resolve({ report: null, problem: null });
  const [facts, modules, hypervisor, disks, nics] = await Promise.all([
    hostFacts(ctx),
    ctx.platform === 'linux' ? loadedModules() : Promise.resolve(null),
    ctx.platform === 'win32' ? hypervisorPresent(ctx) : Promise.resolve(null),
    plan ? Promise.all(diskNeeds(ctx, plan, args.dir)) : Promise.resolve([]),
    nicsPromise,
  ]);
  const win = ctx.platform === 'win32';
  const checks = doctorChecks({
    ...facts,
    pathDirs: (ctx.env.PATH ?? ctx.env.Path ?? '').split(win ? ';' : ':').filter(Boolean),
    installDirs: extraToolDirs(ctx.platform, ctx.env),
    plan,
    planProblem,
    modules,
    hypervisorPresent: hypervisor,
    disks: disks.filter((d): d is DiskSpace => d !== null),
    nics: nics.report,
    nicsProblem: nics.problem,
  });
  return { ...facts, checks };
}
