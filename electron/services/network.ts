/**
 * NIC detection, the address plan and the hosts-file check. Everything is read passively: the
 * OS's own interface list, `VBoxManage list bridgedifs` and the neighbour (ARP) table; nothing
 * is ever sent to an address to find out whether it is in use.
 */
import { readFile } from 'node:fs/promises';
import {
  bridgeProblem,
  guessBridgeName,
  matchBridgedIf,
  normalizeMac,
  parseBridgedifs,
  usableBridges,
  type BridgedIf,
} from '../../shared/bridgedifs';
import { AppError } from '../../shared/errors';
import { hostsFilePath, hostsLine, hostsTextState, type HostsCheck } from '../../shared/hosts';
import { draftFrom, suggestPlan } from '../../shared/lab/plan';
import type { LabConfig } from '../../shared/lab/schema';
import { isIPv4, prefixFromNetmask } from '../../shared/lab/net';
import { exclusionReason, pickableNames, type Nic, type NicReport, type NicType } from '../../shared/nics';
import type { ServiceContext } from './context';
import { labAddresses } from './labs/list';
import type { NetworkFacts } from './networkFacts';
import { runTool } from './process';
import { findExecutable } from './tools';

/** systeminformation takes seconds on some Windows machines; past this the user is told to retry. */
const DETECT_TIMEOUT_MS = 20_000;
/** A report this fresh is reused: the Network and Addresses steps and the plan all ask for it. */
const CACHE_MS = 60_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new AppError('timeout', `${what} took longer than ${ms / 1000} s.`, { hint: 'Press Refresh to try again.' })),
      ms,
    );
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

/** Neighbour-table addresses that are (or recently were) in use: failed and incomplete entries mean nobody answered. */
export function parseNeighbours(platform: string, output: string): string[] {
  const found = new Set<string>();
  for (const line of output.split(/\r?\n/)) {
    let address: string | undefined;
    if (platform === 'win32') {
      // ConvertTo-Csv: "IPAddress","State"
      const [ip, state] = line.split(',').map((cell) => cell.replace(/^"|"$/g, '').trim());
      if (ip && !/^(Unreachable|Incomplete|State)$/i.test(state ?? '')) address = ip;
    } else if (platform === 'darwin') {
      // ? (192.168.1.1) at 0:11:22:33:44:55 on en0 ifscope [ethernet]
      const match = /\((\d+\.\d+\.\d+\.\d+)\) at (?!\(incomplete\))/.exec(line);
      address = match?.[1];
    } else {
      // 192.168.1.1 dev wlp5s0 lladdr 00:11:22:33:44:55 REACHABLE
      const match = /^(\d+\.\d+\.\d+\.\d+)\s.*\blladdr\s/.exec(line);
      if (match && !/\b(FAILED|INCOMPLETE)\b/.test(line)) address = match[1];
    }
    if (address && isIPv4(address)) found.add(address);
  }
  return [...found];
}

const neighbourCommands: Record<string, { tool: string; args: string[] }> = {
  linux: { tool: 'ip', args: ['-4', 'neigh', 'show'] },
  darwin: { tool: 'arp', args: ['-an'] },
  win32: {
    tool: 'powershell',
    args: [
      '-NoProfile',
      '-NonInteractive',
      '-Command',
      'Get-NetNeighbor -AddressFamily IPv4 -ErrorAction SilentlyContinue | Select-Object IPAddress,State | ConvertTo-Csv -NoTypeInformation',
    ],
  },
};

/** `ip` and `arp` live in sbin folders a desktop launcher's PATH may lack. */
const sbinPath = (ctx: ServiceContext) => ({ ...ctx, env: { ...ctx.env, PATH: [ctx.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':') } });

async function readNeighbours(ctx: ServiceContext, notes: string[]): Promise<string[]> {
  const command = neighbourCommands[ctx.platform];
  if (!command) return [];
  const file = await findExecutable(command.tool, ctx.platform === 'win32' ? ctx : sbinPath(ctx));
  const result = file ? await runTool(file, command.args, { env: ctx.env, timeoutMs: 10_000 }) : null;
  if (!result || result.exitCode !== 0) {
    notes.push(
      `The neighbour table could not be read (${command.tool} ${result?.spawnError ?? (result ? `exit ${result.exitCode}` : 'not found')}): addresses in use on the LAN are not known.`,
    );
    return [];
  }
  return parseNeighbours(ctx.platform, result.stdout);
}

async function readBridgedifs(ctx: ServiceContext, notes: string[], vboxmanage?: string): Promise<BridgedIf[] | null> {
  const file = vboxmanage ?? (await findExecutable('VBoxManage', ctx));
  if (!file) return null;
  const result = await runTool(file, ['list', 'bridgedifs'], { env: ctx.env, timeoutMs: 15_000 });
  if (result.exitCode !== 0) {
    const why = result.spawnError ?? (result.timedOut ? 'timed out' : result.stderr.split('\n')[0] || `exit ${result.exitCode}`);
    notes.push(`VBoxManage list bridgedifs failed (${why}): bridge names are guesses.`);
    return null;
  }
  return parseBridgedifs(result.stdout);
}

function nicType(iface: NetworkFacts['interfaces'][number], excluded: false | string): NicType {
  if (iface.internal) return 'loopback';
  if (iface.type === 'wireless') return 'wireless';
  if (iface.virtual || excluded) return 'virtual';
  return iface.type === 'wired' ? 'wired' : 'unknown';
}

async function detect(ctx: ServiceContext): Promise<NicReport> {
  const notes: string[] = [];
  const [{ interfaces, defaultInterface: defaultIface, defaultGateway: gateway }, neighbours, bridged] = await Promise.all([
    withTimeout(ctx.readNetworkFacts(), DETECT_TIMEOUT_MS, 'Reading the network interfaces'),
    readNeighbours(ctx, notes),
    readBridgedifs(ctx, notes),
  ]);
  const nics = interfaces.map((iface): Nic => {
    const ipv4 = iface.ip4 && isIPv4(iface.ip4) ? iface.ip4 : null;
    const up = iface.operstate === 'up' || (iface.operstate === 'unknown' && Boolean(ipv4));
    let excluded = exclusionReason(
      { name: iface.iface, description: iface.ifaceName, ipv4, up, internal: iface.internal, virtual: iface.virtual },
      ctx.platform,
    );
    const entry = bridged ? matchBridgedIf({ name: iface.iface, description: iface.ifaceName, mac: iface.mac, ipv4 }, bridged) : null;
    if (bridged && !excluded && !entry) excluded = 'VirtualBox does not offer it for bridging (not in VBoxManage list bridgedifs)';
    if (entry && !excluded && !usableBridges([entry]).length)
      excluded = `VirtualBox reports it ${entry.status.toLowerCase()}, and Vagrant skips bridges that are down or unknown`;
    return {
      name: iface.iface,
      bridgeName:
        entry?.name ?? guessBridgeName({ name: iface.iface, description: iface.ifaceName, wireless: iface.type === 'wireless' }, ctx.platform),
      bridgeNameSource: entry ? 'virtualbox' : 'guess',
      ipv4,
      prefixLength: ipv4 ? prefixFromNetmask(iface.ip4subnet) : null,
      mac: normalizeMac(iface.mac),
      type: nicType(iface, excluded),
      up,
      speedMbps: typeof iface.speed === 'number' && iface.speed > 0 ? iface.speed : null,
      default: iface.iface === defaultIface,
      excluded,
    };
  });
  // The default NIC first, then the pickable ones, then the rest: the order a person reads them in.
  const rank = (nic: Nic) => (nic.default ? 0 : nic.excluded === false ? 1 : 2);
  nics.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return { gateway: gateway && isIPv4(gateway) ? gateway : null, nics, neighbours, detectedAt: Date.now(), bridges: bridged, notes };
}

const cache = new WeakMap<ServiceContext, { at: number; report: Promise<NicReport>; settled: boolean }>();

/**
 * This computer's NICs, the default route and the neighbour table; cached per context for a minute
 * unless `refresh`. A refresh joins a detection still in flight: each one is a worker thread and
 * three tools, and a page (or a hundred) asking at once must not start one each.
 */
export function detectNics(ctx: ServiceContext, options: { refresh?: boolean } = {}): Promise<NicReport> {
  const cached = cache.get(ctx);
  if (cached && (!cached.settled || (!options.refresh && Date.now() - cached.at < CACHE_MS))) return cached.report;
  const entry = { at: Date.now(), report: detect(ctx), settled: false };
  cache.set(ctx, entry);
  // Nothing replaces an entry in flight, so a failed one is still the cached one: forget it.
  entry.report.then(
    () => (entry.settled = true),
    () => cache.delete(ctx),
  );
  return entry.report;
}

/**
 * Before a job that can create VMs: the lab's bridge must be one Vagrant will take, or the job is
 * refused here, naming the bridges there are, before Vagrant can stop to ask or, with one other
 * interface up, bridge the VMs onto that one without asking (shared/bridgedifs.ts, bridgeProblem).
 */
export async function assertBridgeUsable(ctx: ServiceContext, vboxmanage: string, bridge: string): Promise<void> {
  const notes: string[] = [];
  const entries = await readBridgedifs(ctx, notes, vboxmanage);
  // VBoxManage failing is VirtualBox's own problem, which Vagrant reports better than a guess here.
  if (!entries) return;
  const problem = bridgeProblem(bridge, entries);
  if (problem) throw new AppError('conflict', problem.message, { hint: problem.hint });
}

/** The NIC a lab will bridge onto, or a bad-input error that says why not and what may be picked. */
export function pickNic(report: NicReport, name: string): Nic {
  const nic = report.nics.find((n) => n.name === name) ?? report.nics.find((n) => n.name.toLowerCase() === name.toLowerCase());
  const choices = `NICs that can be picked: ${pickableNames(report)}.`;
  if (!nic)
    throw new AppError('invalid_input', `There is no network interface called "${name}" on this computer.`, {
      hint: choices,
      issues: [{ path: 'network.nic', message: `No network interface "${name}". ${choices}` }],
    });
  if (nic.excluded)
    throw new AppError('invalid_input', `Network interface ${nic.name} cannot be bridged: ${nic.excluded}.`, {
      hint: choices,
      issues: [{ path: 'network.nic', message: `${nic.name} cannot be bridged: ${nic.excluded}. ${choices}` }],
    });
  return nic;
}

/**
 * The plan for a lab on a NIC, skipping every address a known lab uses (but the lab in `dir`'s own,
 * when it is planned again).
 */
export async function planLab(ctx: ServiceContext, args: { nic: string; agents?: number; base?: unknown; dir?: string }): Promise<LabConfig> {
  const [report, used] = await Promise.all([detectNics(ctx), labAddresses(ctx)]);
  const taken = used.filter((held) => held.dir !== args.dir).map((held) => held.ip);
  return suggestPlan(pickNic(report, args.nic), report, {
    agents: args.agents,
    base: args.base === undefined ? undefined : draftFrom(args.base),
    taken,
  });
}

/** Whether this computer's hosts file already maps the server name to its IP. */
export async function checkHosts(
  ctx: ServiceContext,
  args: { name: string; ip: string },
  file = hostsFilePath(ctx.platform, ctx.env.SystemRoot),
): Promise<HostsCheck> {
  const line = hostsLine(args.ip, args.name);
  try {
    const text = await readFile(file, 'utf8');
    return { path: file, line, ...hostsTextState(text, args.ip, args.name) };
  } catch (error) {
    return { path: file, line, state: 'missing', otherAddresses: [], readError: error instanceof Error ? error.message : String(error) };
  }
}
