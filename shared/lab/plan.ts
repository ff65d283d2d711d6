/**
 * The address plan: which static IPs, default route and DNS a lab gets on the chosen NIC's LAN,
 * and the soft warnings about a plan the schema accepts but that may still not work. Pure: the
 * NIC report (with the neighbour table read passively) is all it knows about the LAN; nothing
 * here ever asks the network whether an address is free.
 */
import { AppError, type FieldIssue } from '../errors';
import type { Nic, NicReport } from '../nics';
import { defaultLabConfig, MAX_AGENTS, type LabConfig } from './schema';
import { formatCidr, formatIPv4, inSubnet, parseCidr, parseIPv4, subnetFromPrefix, usableRangeText, type Subnet } from './net';

/** Where the seed puts its nodes in a /24: .110, .111, .112. */
const SEED_HOST_OFFSET = 110;
/** VirtualBox's NAT network inside every VM (Vagrant's first adapter) and its resolver. */
export const VBOX_NAT_SUBNET = '10.0.2.0/24';
export const VBOX_NAT_DNS = '10.0.2.3';

export interface PlanOptions {
  /** Number of agents; the base's count (2 by default) when absent. */
  agents?: number;
  /** The lab draft whose other settings (names, VM sizes, DNS, k3s) are kept. */
  base?: LabConfig;
  /** Addresses other labs use: never planned, even where no neighbour has answered from them yet. */
  taken?: readonly string[];
}

/** A lab draft from anything the renderer sends: each top-level section kept when it has the right shape. */
export function draftFrom(base: unknown): LabConfig {
  const draft = defaultLabConfig() as unknown as Record<string, unknown>;
  if (typeof base !== 'object' || base === null) return draft as unknown as LabConfig;
  for (const [key, fallback] of Object.entries(draft)) {
    const value = (base as Record<string, unknown>)[key];
    const sameShape = Array.isArray(fallback) ? Array.isArray(value) : typeof value === typeof fallback && value !== null;
    if (sameShape) draft[key] = typeof fallback === 'object' && !Array.isArray(fallback) ? { ...fallback, ...(value as object) } : value;
  }
  return draft as unknown as LabConfig;
}

export function nicSubnet(nic: Pick<Nic, 'ipv4' | 'prefixLength'>): Subnet | null {
  const address = nic.ipv4 ? parseIPv4(nic.ipv4) : null;
  if (address === null || nic.prefixLength === null) return null;
  return subnetFromPrefix(address, nic.prefixLength);
}

/** Addresses in the subnet that no node may take: the gateway, the host and the neighbour table. */
function reservedAddresses(subnet: Subnet, addresses: (string | null | undefined)[]): Set<number> {
  const reserved = new Set<number>();
  for (const text of addresses) {
    const address = text ? parseIPv4(text) : null;
    if (address !== null && inSubnet(subnet, address)) reserved.add(address);
  }
  return reserved;
}

/** The first run of `count` free addresses from `from` to `to`, or null. */
function contiguousRun(reserved: Set<number>, count: number, from: number, to: number): number[] | null {
  let start = from;
  for (let address = from; address <= to; address++) {
    if (reserved.has(address)) start = address + 1;
    else if (address - start + 1 === count) return Array.from({ length: count }, (_, i) => start + i);
  }
  return null;
}

/** `count` free addresses: one contiguous run from the seed-like start if there is one, else the first free ones. */
export function pickAddresses(subnet: Subnet, reserved: Set<number>, count: number, near: number | null): number[] | null {
  if (count === 0) return [];
  const seedLike = near === null ? null : near - (near % 256) + SEED_HOST_OFFSET;
  const start = seedLike !== null && subnet.prefixLength <= 24 && inSubnet(subnet, seedLike) ? seedLike : subnet.firstUsable;
  const run = contiguousRun(reserved, count, start, subnet.lastUsable) ?? contiguousRun(reserved, count, subnet.firstUsable, subnet.lastUsable);
  if (run) return run;
  const free: number[] = [];
  for (let address = subnet.firstUsable; address <= subnet.lastUsable && free.length < count; address++) {
    if (!reserved.has(address)) free.push(address);
  }
  return free.length === count ? free : null;
}

/** The detected default route when it is on this NIC's subnet; else the subnet's first address (routers usually sit there). */
export function suggestGateway(subnet: Subnet, nic: Pick<Nic, 'ipv4'>, report: Pick<NicReport, 'gateway'>): string {
  const detected = report.gateway ? parseIPv4(report.gateway) : null;
  if (detected !== null && inSubnet(subnet, detected) && report.gateway !== nic.ipv4) return report.gateway!;
  const host = nic.ipv4 ? parseIPv4(nic.ipv4) : null;
  return formatIPv4(host === subnet.firstUsable ? subnet.lastUsable : subnet.firstUsable);
}

function uniqueAgentNames(wanted: string[], count: number, serverName: string): string[] {
  const used = new Set([serverName.toLowerCase(), 'server']);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    let name = wanted[i]?.trim() || `agent${i + 1}`;
    for (let n = i + 1; used.has(name.toLowerCase()); n++) name = `agent${n}`;
    used.add(name.toLowerCase());
    names.push(name);
  }
  return names;
}

/** The full lab config for a NIC: the base's settings with network, server and agents planned. */
export function suggestPlan(nic: Nic, report: NicReport, options: PlanOptions = {}): LabConfig {
  const base = options.base ?? defaultLabConfig();
  const agentCount = options.agents ?? base.agents.length;
  if (!Number.isInteger(agentCount) || agentCount < 0 || agentCount > MAX_AGENTS)
    throw new AppError('invalid_input', `A lab has 0 to ${MAX_AGENTS} agents, not ${agentCount}.`, {
      issues: [{ path: 'agents', message: `Choose 0 to ${MAX_AGENTS} agents.` }],
    });
  const subnet = nicSubnet(nic);
  if (!subnet)
    throw new AppError('invalid_input', `${nic.name} has no IPv4 address, so there is no subnet to plan on.`, {
      hint: 'Pick a NIC connected to your LAN.',
      issues: [{ path: 'network.nic', message: `${nic.name} has no IPv4 address: pick a NIC connected to your LAN.` }],
    });
  const cidr = formatCidr(subnet);
  if (subnet.prefixLength > 30)
    throw new AppError('invalid_input', `${nic.name} is on ${cidr}, which has no room for a lab.`, {
      hint: 'A lab needs a /30 or larger LAN (a /24 is typical): pick another NIC.',
      issues: [{ path: 'network.subnet', message: `Subnet ${cidr} has no room for a lab: pick a NIC on a /30 or larger network.` }],
    });
  const gateway = suggestGateway(subnet, nic, report);
  const reserved = reservedAddresses(subnet, [gateway, nic.ipv4, ...report.neighbours, ...(options.taken ?? [])]);
  const picked = pickAddresses(subnet, reserved, 1 + agentCount, parseIPv4(nic.ipv4!));
  if (!picked) {
    const free = subnet.size - reserved.size;
    throw new AppError(
      'invalid_input',
      `${cidr} has ${Math.max(free, 0)} free address${free === 1 ? '' : 'es'}; a server and ${agentCount} agents need ${1 + agentCount}.`,
      {
        hint: `Use fewer agents (at most ${Math.max(free - 1, 0)}) or a NIC on a larger subnet.`,
        issues: [
          {
            path: 'agents',
            message: `Only ${Math.max(free - 1, 0)} agents fit in ${usableRangeText(subnet)} besides the router, this computer, the neighbours and other labs' addresses.`,
          },
        ],
      },
    );
  }
  const [serverIp, ...agentIps] = picked.map(formatIPv4);
  const names = uniqueAgentNames(
    base.agents.map((a) => a.name),
    agentCount,
    base.server.name,
  );
  return {
    ...base,
    network: { ...base.network, nic: nic.name, bridge: nic.bridgeName, subnet: cidr, hostIp: nic.ipv4 ?? '', gateway },
    server: { ...base.server, ip: serverIp! },
    agents: names.map((name, i) => ({ name, ip: agentIps[i]! })),
  };
}

/** A free address for one more node: next after the highest one in use, else any free one. */
export function suggestAddress(config: LabConfig, report: Pick<NicReport, 'neighbours'>): string | null {
  const subnet = parseCidr(config.network.subnet);
  if (!subnet) return null;
  const nodes = [config.server.ip, ...config.agents.map((a) => a.ip)];
  const reserved = reservedAddresses(subnet, [config.network.gateway, config.network.hostIp, ...report.neighbours, ...nodes]);
  const used = nodes.map((ip) => parseIPv4(ip)).filter((a): a is number => a !== null && inSubnet(subnet, a));
  const after = used.length ? Math.max(...used) + 1 : subnet.firstUsable;
  const run =
    contiguousRun(reserved, 1, Math.min(after, subnet.lastUsable), subnet.lastUsable) ??
    contiguousRun(reserved, 1, subnet.firstUsable, subnet.lastUsable);
  return run ? formatIPv4(run[0]!) : null;
}

/**
 * What the schema accepts but may still not work, each with the field and what to do: DNS on the
 * host or VirtualBox's NAT resolver (the very dependence the bridged design removes), a node on an
 * address the host has recently seen in use, a default route that is not the detected router.
 */
export function networkWarnings(config: LabConfig, report: Pick<NicReport, 'gateway' | 'nics' | 'neighbours'>): FieldIssue[] {
  const warnings: FieldIssue[] = [];
  const { network } = config;
  const nic = report.nics.find((n) => n.name === network.nic);
  if (network.nic && !nic)
    warnings.push({
      path: 'network.nic',
      message: `Network interface ${network.nic} is not on this computer now: go back to Network and pick one that is.`,
    });
  else if (nic && nic.excluded)
    warnings.push({ path: 'network.nic', message: `Network interface ${nic.name} cannot be bridged now: ${nic.excluded}.` });

  const nat = parseCidr(VBOX_NAT_SUBNET)!;
  const subnet = parseCidr(network.subnet);
  if (subnet && (inSubnet(subnet, nat.network) || inSubnet(nat, subnet.network)))
    warnings.push({
      path: 'network.subnet',
      message: `Subnet ${formatCidr(subnet)} overlaps VirtualBox's NAT network ${VBOX_NAT_SUBNET} inside every VM: routes will clash. Bridge onto a LAN with other addresses.`,
    });

  const hostAddresses = new Set([network.hostIp, ...report.nics.map((n) => n.ipv4)].filter(Boolean));
  const external = 'Choose external resolvers such as 1.1.1.1 and 8.8.8.8.';
  network.dns.forEach((dns, i) => {
    const path = `network.dns.${i}`;
    const address = parseIPv4(dns);
    if (address === null) return;
    if (hostAddresses.has(dns))
      warnings.push({
        path,
        message: `DNS server ${dns} is this computer: the VMs would depend on the host's resolver, which Telepresence changes. ${external}`,
      });
    else if (dns === VBOX_NAT_DNS)
      warnings.push({ path, message: `DNS server ${dns} is VirtualBox's NAT resolver, which forwards to the host's resolver. ${external}` });
    else if (inSubnet(nat, address))
      warnings.push({
        path,
        message: `DNS server ${dns} is in VirtualBox's NAT range ${VBOX_NAT_SUBNET}, which only the NAT adapter reaches. ${external}`,
      });
    else if (dns.startsWith('127.'))
      warnings.push({ path, message: `DNS server ${dns} is a loopback address: each VM would ask itself. ${external}` });
  });

  const neighbours = new Set(report.neighbours);
  const nodes = [
    { path: 'server.ip', what: 'Server IP', ip: config.server.ip },
    ...config.agents.map((a, i) => ({ path: `agents.${i}.ip`, what: `Agent ${a.name} IP`, ip: a.ip })),
  ];
  for (const node of nodes)
    if (neighbours.has(node.ip))
      warnings.push({
        path: node.path,
        message: `${node.what} ${node.ip} is in this computer's neighbour (ARP) table: another device used it recently. Pick another address, or Reset to suggestion.`,
      });

  if (nic?.default && report.gateway && network.gateway && network.gateway !== report.gateway)
    warnings.push({
      path: 'network.gateway',
      message: `Default route ${network.gateway} is not the router this computer uses (${report.gateway}): check it is your LAN router.`,
    });
  else if (nic && !nic.default && network.gateway && network.gateway !== report.gateway)
    warnings.push({
      path: 'network.gateway',
      message: `The default route ${network.gateway} is a guess: ${nic.name} does not hold this computer's default route. Enter your LAN router's address.`,
    });
  return warnings;
}
