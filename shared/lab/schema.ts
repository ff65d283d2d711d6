/**
 * LabConfig: everything a lab is made from. One schema feeds the form's inline errors (renderer)
 * and is checked again in main before anything is written or run. Every message names the field
 * and says what would be valid.
 */
import { z } from 'zod';
import { AppError, type FieldIssue } from '../errors';
import { formatCidr, inSubnet, isUsableHost, parseCidr, parseIPv4, usableRangeText } from './net';
import { serverNameFor } from '../labs';

export const LAB_SCHEMA_VERSION = 1;
export const MAX_AGENTS = 9;
/** The seed's defaults: 4096 MB and 2 vCPUs per node. */
export const DEFAULT_MEMORY_MB = 4096;
export const DEFAULT_CPUS = 2;
/**
 * Ubuntu 24.04 LTS from Chef's Bento project: Canonical stopped publishing Vagrant boxes with
 * 24.04, while Bento still builds this one for VirtualBox (amd64, and arm64 for Vagrant 2.4+) from
 * public Packer templates, and 24.04 is supported until 2029. It ships curl, and k3s supports it.
 * The seed's `generic/alpine314` reached end of life in 2022 and is no longer rebuilt.
 */
export const DEFAULT_BOX = 'bento/ubuntu-24.04';
export const REGISTRY_PORT = 5000;

const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f]/;

const ipv4 = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => parseIPv4(v) !== null, {
      message: `${what} must be an IPv4 address such as 192.168.1.110.`,
    });

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 253 characters at most. */
export function isHostname(value: string): boolean {
  return value.length > 0 && value.length <= 253 && value.split('.').every((part) => label.test(part));
}

const hostname = (what: string) =>
  z
    .string()
    .trim()
    .refine(isHostname, {
      message: `${what} must be a host name: letters, digits and hyphens (not at either end), up to 63 per dot-separated part.`,
    })
    // It becomes the Kubernetes node name, and the registry is pinned to it by a label value (63 at most).
    .refine((v) => v.length <= 63, { message: `${what} must be at most 63 characters: Kubernetes labels the node with it.` });

const machineName = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => label.test(v), {
      message: `${what} must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen.`,
    })
    // `vagrant destroy -f NAME` looks NAME up as a prefix of the ids in Vagrant's global machine index
    // before the lab's own machines (vagrant 2.3.4 lib/vagrant/plugin/v2/command.rb, with_target_vms;
    // lib/vagrant/machine_index.rb, find_by_prefix), and those ids are hex: `db` could be another
    // project's VM. A name with any other letter or a hyphen can never be such a prefix.
    .refine((v) => !/^[0-9a-f]+$/i.test(v), {
      message: `${what} must have a letter from g to z or a hyphen: Vagrant takes a name of only 0-9 and a-f for the id of another project's machine (such as agent-db instead of db).`,
    });

const freeText = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${what} is required.`)
    .max(max, `${what} must be at most ${max} characters.`)
    .refine((v) => !controlChars.test(v), { message: `${what} must not contain control characters or line breaks.` });

const boxNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
/** A box is a name (`owner/box`, or one added locally), a URL, or a local `.box` file. */
export function isBoxSource(value: string): boolean {
  return boxNamePattern.test(value) || /^(https?|file):\/\/\S+$/i.test(value) || /\.box$/i.test(value);
}

export const k3sVersionPattern = /^v\d+\.\d+\.\d+(-rc\d+)?\+k3s\d+$/;
export const k3sChannelPattern = /^(stable|latest|testing|v\d+\.\d+)$/;

/** The exact k3s release the lab's nodes install, or null for a channel not resolved yet (a draft). */
export function pinnedK3sVersion(k3s: LabConfig['k3s']): string | null {
  return k3s.source === 'version' ? k3s.value : (k3s.version ?? null);
}

const nodeSchema = (what: string, name: ReturnType<typeof hostname>) => z.object({ name, ip: ipv4(`${what} IP`) });

export const labSchema = z
  .object({
    schemaVersion: z.literal(LAB_SCHEMA_VERSION),
    name: z
      .string()
      .trim()
      .regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, 'Lab name must be 1 to 40 lower-case letters, digits or inner hyphens, such as "cluster-lab".'),
    network: z.object({
      nic: freeText('Host network interface', 200),
      bridge: freeText('VirtualBox bridge name', 200),
      subnet: z
        .string()
        .trim()
        .refine((v) => parseCidr(v) !== null, {
          message: 'Subnet must be written as address/prefix, such as 192.168.1.0/24.',
        }),
      hostIp: z.union([ipv4('Host address'), z.literal('')]),
      gateway: ipv4('Default route'),
      dns: z
        .array(ipv4('DNS server'))
        .min(1, 'Give at least one DNS server, such as 1.1.1.1.')
        .max(3, 'Give at most 3 DNS servers: the guest resolver reads no more.'),
    }),
    server: nodeSchema('Server', hostname('Server name')),
    agents: z.array(nodeSchema('Agent', machineName('Agent name'))).max(MAX_AGENTS, `A lab has at most ${MAX_AGENTS} agents.`),
    vm: z.object({
      memoryMb: z
        .number()
        .int('Memory must be a whole number of MB.')
        .min(1024, 'Memory must be at least 1024 MB: k3s needs it.')
        .max(262144, 'Memory must be at most 262144 MB.'),
      cpus: z.number().int('CPUs must be a whole number.').min(1, 'CPUs must be at least 1.').max(64, 'CPUs must be at most 64.'),
      // Only once the text itself is acceptable, so an empty or broken box gets one message, not two.
      box: freeText('Box', 1000).refine((v) => !v || v.length > 1000 || controlChars.test(v) || isBoxSource(v), {
        message: 'Box must be a box name such as bento/ubuntu-24.04, an https:// URL of a .box file, or the path of a local .box file.',
      }),
      linkedClone: z.boolean(),
      /**
       * Bring the agents up side by side after the server (the default), or one after another, for
       * a host with few CPUs. A lab.json written before this setting brings them up side by side.
       */
      parallel: z.boolean().default(true),
    }),
    k3s: z.discriminatedUnion('source', [
      z.object({
        source: z.literal('channel'),
        value: z.string().trim().regex(k3sChannelPattern, 'k3s channel must be stable, latest, testing or a minor version such as v1.33.'),
        /**
         * The release the channel pointed at when the lab was written: what every node installs, so an
         * agent added a month later runs its server's version. Absent only in a draft not written yet.
         */
        version: z.string().trim().regex(k3sVersionPattern, 'k3s version must be a release such as v1.33.5+k3s1.').optional(),
      }),
      z.object({
        source: z.literal('version'),
        value: z.string().trim().regex(k3sVersionPattern, 'k3s version must be a release such as v1.33.5+k3s1.'),
      }),
    ]),
    registry: z.object({ enabled: z.boolean() }),
  })
  .superRefine((lab, ctx) => {
    for (const issue of networkIssues(lab)) ctx.addIssue({ code: 'custom', path: issue.path.split('.'), message: issue.message });
  });

export type LabConfig = z.output<typeof labSchema>;

/** The cross-field rules: addresses in the subnet, distinct, none reserved; names unique. */
function networkIssues(lab: LabConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const subnet = parseCidr(lab.network.subnet);
  if (!subnet) return issues;
  const cidr = formatCidr(subnet);
  if (subnet.prefixLength < 8) {
    issues.push({
      path: 'network.subnet',
      message: `Subnet ${cidr} is wider than any LAN (a /${subnet.prefixLength}): use the LAN's own subnet, from a /8 to a /30 (a /24 such as 192.168.1.0/24 is typical).`,
    });
    return issues;
  }
  if (subnet.prefixLength > 30) {
    const what = subnet.prefixLength === 32 ? 'a single address' : 'a point-to-point link with no broadcast address';
    issues.push({
      path: 'network.subnet',
      message: `Subnet ${cidr} is ${what}, too small for a lab: use the LAN's own subnet, a /30 or larger (a /24 such as 192.168.1.0/24 is typical).`,
    });
    return issues;
  }
  const needed = 2 + lab.agents.length; // the gateway and the server, plus one per agent
  const hostNeeds = lab.network.hostIp ? 1 : 0;
  if (subnet.size < needed + hostNeeds) {
    const agents = `${lab.agents.length} agent${lab.agents.length === 1 ? '' : 's'}`;
    issues.push({
      path: 'network.subnet',
      message: `Subnet ${cidr} has ${subnet.size} usable addresses (${usableRangeText(subnet)}); the router, the server and ${agents}${hostNeeds ? ' besides this computer' : ''} need ${needed}. Use at most ${Math.max(subnet.size - hostNeeds - 2, 0)} agents or a larger subnet.`,
    });
  }
  const range = usableRangeText(subnet);
  const taken = new Map<number, string>();
  const check = (path: string, what: string, text: string, reserve: boolean) => {
    const address = parseIPv4(text);
    if (address === null) return;
    if (!inSubnet(subnet, address)) {
      issues.push({ path, message: `${what} ${text} is outside ${cidr}: use an address from ${range}.` });
      return;
    }
    if (!isUsableHost(subnet, address)) {
      const which = address === subnet.network ? 'network' : 'broadcast';
      issues.push({ path, message: `${what} ${text} is the ${which} address of ${cidr}: use an address from ${range}.` });
      return;
    }
    const holder = taken.get(address);
    if (holder) {
      issues.push({ path, message: `${what} ${text} is already used by ${holder}: give each node its own address in ${range}.` });
      return;
    }
    if (reserve) taken.set(address, what.toLowerCase() === 'default route' ? 'the default route' : what);
  };
  if (lab.network.hostIp) check('network.hostIp', 'Host address', lab.network.hostIp, true);
  const hostAddress = parseIPv4(lab.network.hostIp);
  if (hostAddress !== null) taken.set(hostAddress, `this computer (${lab.network.hostIp})`);
  check('network.gateway', 'Default route', lab.network.gateway, true);
  check('server.ip', 'Server IP', lab.server.ip, true);
  lab.agents.forEach((agent, i) => check(`agents.${i}.ip`, `Agent ${agent.name || i + 1} IP`, agent.ip, true));

  const names = new Map<string, string>([['server', 'the server machine']]);
  names.set(lab.server.name.toLowerCase(), 'the server');
  lab.agents.forEach((agent, i) => {
    const key = agent.name.toLowerCase();
    const holder = names.get(key);
    if (holder)
      issues.push({
        path: `agents.${i}.name`,
        message: `Agent name "${agent.name}" is already used by ${holder}: give each agent its own name, such as agent${i + 1}.`,
      });
    else names.set(key, `agent ${i + 1}`);
  });
  return issues;
}

export type ValidationResult = { ok: true; config: LabConfig } | { ok: false; issues: FieldIssue[] };

export function validateLab(input: unknown): ValidationResult {
  const parsed = labSchema.safeParse(input);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.join('.') || 'lab',
      message: issue.code === 'invalid_type' ? `${issue.path.join('.') || 'Lab'} is missing or has the wrong type.` : issue.message,
    })),
  };
}

/** For main: a LabConfig, or an AppError whose issues name every bad field. */
export function assertLab(input: unknown): LabConfig {
  const result = validateLab(input);
  if (result.ok) return result.config;
  throw new AppError('invalid_input', `The lab settings have ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}.`, {
    hint: result.issues.map((i) => i.message).join(' '),
    issues: result.issues,
  });
}

/** A new lab before a NIC is chosen: the seed's sizes, a server named after the lab, addresses still empty. */
export function defaultLabConfig(): LabConfig {
  return {
    schemaVersion: LAB_SCHEMA_VERSION,
    name: 'cluster-lab',
    network: { nic: '', bridge: '', subnet: '', hostIp: '', gateway: '', dns: ['1.1.1.1', '8.8.8.8'] },
    server: { name: serverNameFor('cluster-lab'), ip: '' },
    agents: [
      { name: 'agent1', ip: '' },
      { name: 'agent2', ip: '' },
    ],
    vm: { memoryMb: DEFAULT_MEMORY_MB, cpus: DEFAULT_CPUS, box: DEFAULT_BOX, linkedClone: true, parallel: true },
    k3s: { source: 'channel', value: 'stable' },
    registry: { enabled: true },
  };
}

/** Issues whose path starts with one of the prefixes: how a wizard step knows what is its to fix. */
export function issuesUnder(issues: FieldIssue[], prefixes: string[]): FieldIssue[] {
  return issues.filter((i) => prefixes.some((p) => i.path === p || i.path.startsWith(`${p}.`)));
}
