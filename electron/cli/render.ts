/**
 * `cluster-lab render`: write a lab folder from a lab.json or from flags, through the same lab
 * schema and lab-folder service as the app. Bad input exits 2 with one line per problem, each
 * naming the flag that fixes it, and nothing is written. On a folder that already has a lab, the
 * flags edit that lab: each one changes its field and nothing else moves.
 */
import { checkStatusWords } from '../../shared/doctor';
import { AppError, type FieldIssue } from '../../shared/errors';
import { defaultLabConfig, k3sChannelPattern, MAX_AGENTS, validateLab } from '../../shared/lab/schema';
import { hostFit } from '../../shared/lab/fit';
import { draftFrom } from '../../shared/lab/plan';
import { addressIssues, serverNameFor, skippedAddresses, skippedNotes } from '../../shared/labs';
import { shellQuote } from '../../shared/render/escape';
import { hostInfo } from '../services/host';
import { lookUpChannel } from '../services/k3s/pin';
import { readLabJson, refuseUnknownFields, resolveLabDir } from '../services/labFolder';
import { LAB_JSON } from '../../shared/render';
import path from 'node:path';
import { call, parseFlags, pathFlag, printJson, requireDir, type Command } from './command';

const usage = `Usage: cluster-lab render --dir DIR [--config lab.json | flags] [--replan] [--force] [--json]
Writes a lab folder (lab.json, Vagrantfile, registry.yaml, shared/, logs/). A file edited by hand since
the last write is kept beside the new one; an unchanged lab changes nothing. When DIR already has a
lab, the flags edit it (each changes one value, nothing else moves) and the old lab.json is kept as
lab.json.user-<time>. A folder holding another lab or other files is refused unless --force; a
machine whose VM exists is never removed or renamed (destroy it first).

  --config FILE          start from this lab.json instead of DIR's (flags below override its values)
  --nic NAME             plan the lab on this NIC: the values not given come from it and the plan
  --replan               on an existing lab, plan addresses and nodes again (on --nic, else its NIC)
  --force                write into a folder that holds another lab or files that are not a lab's
  --bridge NAME          VirtualBox bridge name (default: the NIC's)
  --subnet CIDR          the LAN (default: the NIC's, else the /24 around --gateway)
  --gateway IP           the VMs' default route: the LAN router
  --dns IP               external DNS server (repeatable)
  --server-name NAME     server host name (default: the lab's name and -server)
  --server-ip IP         server address on the LAN
  --agent NAME=IP        an agent (repeatable; given once, it replaces the suggested agents)
  --memory MB            memory per VM (default 4096)
  --cpus N               vCPUs per VM (default 2)
  --box NAME|URL|PATH    Vagrant box (default bento/ubuntu-24.04)
  --k3s-channel NAME     follow a k3s channel (stable, latest, testing, v1.33): looked up now, and the
                         release it points at is pinned in lab.json (a lab keeps its release otherwise)
  --k3s-version V        pin a k3s release such as v1.33.5+k3s1
  --no-registry          no in-cluster registry
  --no-linked-clone      full copies of the box instead of linked clones
  --name NAME            lab name (default cluster-lab, else cluster-lab-2, ...: one no known lab has)
  --json                 print the write report as JSON

Examples:
  cluster-lab render --dir ~/ClusterLab/cluster-lab --nic wlp5s0
  cluster-lab render --dir lab --bridge wlp5s0 --gateway 192.168.1.1 --dns 8.8.8.8 --server-ip 192.168.1.110 \\
    --agent agent1=192.168.1.111 --agent agent2=192.168.1.112
  cluster-lab render --dir lab --config lab.json --memory 2048
  cluster-lab render --dir ~/ClusterLab/cluster-lab --memory 2048   # edit the lab in that folder
`;

const flagOptions = {
  dir: { type: 'string' },
  config: { type: 'string' },
  nic: { type: 'string' },
  bridge: { type: 'string' },
  subnet: { type: 'string' },
  gateway: { type: 'string' },
  dns: { type: 'string', multiple: true },
  'server-name': { type: 'string' },
  'server-ip': { type: 'string' },
  agent: { type: 'string', multiple: true },
  memory: { type: 'string' },
  cpus: { type: 'string' },
  box: { type: 'string' },
  'k3s-channel': { type: 'string' },
  'k3s-version': { type: 'string' },
  'no-registry': { type: 'boolean', default: false },
  'no-linked-clone': { type: 'boolean', default: false },
  name: { type: 'string' },
  replan: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

type Flags = ReturnType<typeof parseFlags<typeof flagOptions>>['values'];

/** The flag that sets each schema path; the first matching prefix wins. */
const flagForPath: [string, string][] = [
  ['network.nic', '--nic'],
  ['network.bridge', '--bridge'],
  ['network.subnet', '--subnet'],
  ['network.hostIp', '--nic'],
  ['network.gateway', '--gateway'],
  ['network.dns', '--dns'],
  ['server.name', '--server-name'],
  ['server.ip', '--server-ip'],
  ['agents', '--agent'],
  ['vm.memoryMb', '--memory'],
  ['vm.cpus', '--cpus'],
  ['vm.box', '--box'],
  ['vm.linkedClone', '--no-linked-clone'],
  ['k3s', '--k3s-version'],
  ['registry', '--no-registry'],
  ['name', '--name'],
];

/** `source` is where the values not given as flags came from: `--config` or the folder's lab.json. */
function flagFor(issuePath: string, flags: Flags, source: string | null): string {
  const match = flagForPath.find(([prefix]) => issuePath === prefix || issuePath.startsWith(`${prefix}.`));
  if (!match) return source ? `${source} (${issuePath})` : issuePath;
  const [prefix, flag] = match;
  const given = flags[flag.slice(2) as keyof Flags] !== undefined && flags[flag.slice(2) as keyof Flags] !== false;
  // A value that came from lab.json, not from a flag: say where it is, and which flag overrides it.
  if (source && !given) return `${source} (${issuePath}; or ${flag})`;
  const agent = /^agents\.(\d+)/.exec(issuePath);
  return agent && prefix === 'agents' ? `--agent #${Number(agent[1]) + 1}` : flag;
}

const wholeNumber = (text: string) => (/^\d+$/.test(text) ? Number(text) : Number.NaN);

type Patch = { [key: string]: unknown };
const isPlainObject = (value: unknown): value is Patch => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `patch` laid over `base`: objects merged key by key, anything else replaced. */
function overlay(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const result: Patch = { ...base };
  for (const [key, value] of Object.entries(patch)) result[key] = overlay(base[key], value);
  return result;
}

/** What the flags say, as a partial lab, and the problems found while reading them. */
export function flagPatch(flags: Flags): { patch: Patch; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const network: Patch = {};
  const vm: Patch = {};
  const patch: Patch = {};
  if (flags.bridge !== undefined) network.bridge = flags.bridge;
  if (flags.subnet !== undefined) network.subnet = flags.subnet;
  if (flags.gateway !== undefined) network.gateway = flags.gateway;
  if (flags.dns?.length) network.dns = flags.dns;
  if (flags['server-name'] !== undefined) patch.server = { name: flags['server-name'] };
  if (flags['server-ip'] !== undefined) patch.server = { ...(patch.server as Patch), ip: flags['server-ip'] };
  if (flags.agent?.length) {
    if (flags.agent.length > MAX_AGENTS) issues.push({ path: '--agent', message: `Give at most ${MAX_AGENTS} agents, not ${flags.agent.length}.` });
    patch.agents = flags.agent.map((text, i) => {
      const at = text.indexOf('=');
      if (at < 1) issues.push({ path: `--agent #${i + 1}`, message: `"${text}" is not NAME=IP: write it like agent${i + 1}=192.168.1.${111 + i}.` });
      return at < 1 ? { name: text, ip: '' } : { name: text.slice(0, at), ip: text.slice(at + 1) };
    });
  }
  const numbers = [
    ['memory', 'memoryMb', 'a whole number of MB, such as 4096'],
    ['cpus', 'cpus', 'a whole number of vCPUs, such as 2'],
  ] as const;
  for (const [flag, key, what] of numbers) {
    const text = flags[flag];
    if (text === undefined) continue;
    vm[key] = wholeNumber(text);
    if (Number.isNaN(vm[key])) issues.push({ path: `--${flag}`, message: `"${text}" is not ${what}.` });
  }
  if (flags.box !== undefined) vm.box = flags.box;
  if (flags['no-linked-clone']) vm.linkedClone = false;
  const [channel, version] = [flags['k3s-channel'], flags['k3s-version']];
  if (channel !== undefined && version !== undefined)
    issues.push({ path: '--k3s-version', message: 'Give --k3s-channel or --k3s-version, not both: a lab installs one release.' });
  else if (version !== undefined && k3sChannelPattern.test(version))
    issues.push({
      path: '--k3s-version',
      message: `'${version}' is a channel: give it as --k3s-channel ${version}, or pin a release such as v1.33.5+k3s1.`,
    });
  // k3s is one choice, replaced whole: a channel given again is looked up again (lab.write).
  else if (channel !== undefined) patch.k3s = { source: 'channel', value: channel };
  else if (version !== undefined) patch.k3s = { source: 'version', value: version };
  if (flags['no-registry']) patch.registry = { enabled: false };
  if (flags.name !== undefined) patch.name = flags.name;
  // Only sections a flag touched, so a broken section of lab.json is reported, not papered over.
  if (Object.keys(network).length) patch.network = network;
  if (Object.keys(vm).length) patch.vm = vm;
  return { patch, issues };
}

/** Without a NIC to plan on, the NIC is the bridge and the LAN is the /24 around the router. */
function fillFromFlags(lab: unknown): unknown {
  if (!isPlainObject(lab) || !isPlainObject(lab.network)) return lab;
  const network = { ...lab.network };
  if (!network.nic && typeof network.bridge === 'string') network.nic = network.bridge;
  const router = typeof network.gateway === 'string' ? /^(\d+\.\d+\.\d+)\.\d+$/.exec(network.gateway) : null;
  if (!network.subnet && router) network.subnet = `${router[1]}.0/24`;
  return { ...lab, network };
}

/** A plan's or a schema's issues with each path turned into the flag that fixes it. */
function flagIssues(issues: FieldIssue[], flags: Flags, source: string | null): FieldIssue[] {
  return issues.map((issue) => ({ path: issue.path.startsWith('--') ? issue.path : flagFor(issue.path, flags, source), message: issue.message }));
}

function badFlags(issues: FieldIssue[]): AppError {
  return new AppError('invalid_input', `${issues.length} problem${issues.length === 1 ? '' : 's'} with the lab settings; nothing was written.`, {
    hint: 'Fix the flags named below and run it again.',
    issues,
  });
}

interface Base {
  lab: unknown;
  /** Where the values not given as flags came from (`--config`, DIR/lab.json), or null for the defaults. */
  source: string | null;
  /** The lab.json the values came from, to name in a refusal of its fields. */
  file: string | null;
  /** The network and nodes came from plan.suggest. */
  planned?: boolean;
}

/**
 * The lab before the flags: --config, else the folder's own lab.json (an edit), else the defaults
 * of a new lab: a name no known lab has (as the app's New lab), the server named after the lab.
 * A folder's lab.json that cannot be read is refused, naming why; with --force the flags replace it.
 */
async function startingLab(flags: Flags, dir: string, services: Parameters<Command['run']>[1]): Promise<Base & { existing: boolean }> {
  if (flags.config) return { lab: await readLabJson(pathFlag(flags.config)), source: '--config', file: pathFlag(flags.config), existing: false };
  const folder = resolveLabDir(services.ctx, dir);
  const file = path.join(folder, LAB_JSON);
  try {
    return { lab: await readLabJson(file, folder), source: file, file, existing: true };
  } catch (error) {
    if (!flags.force && !(error instanceof AppError && error.code === 'not_found')) throw error;
    const fresh = await call(services, 'lab.newDefaults', {});
    const seed = defaultLabConfig();
    const lab = { ...seed, name: fresh.name, server: { ...seed.server, name: serverNameFor(flags.name ?? fresh.name) } };
    return { lab, source: null, file: null, existing: false };
  }
}

/** With --nic (or --replan), the plan's network and nodes on top; on an existing lab only when --replan says so. */
async function baseLab(flags: Flags, dir: string, services: Parameters<Command['run']>[1]): Promise<Base> {
  const { existing, ...start } = await startingLab(flags, dir, services);
  if (existing && flags.nic && !flags.replan)
    throw badFlags([
      {
        path: '--nic',
        message: `${start.file} already has its addresses and nodes; --nic would plan them again. Add --replan to do that, or leave out --nic to keep them.`,
      },
    ]);
  const nic = flags.nic ?? (flags.replan ? (start.lab as { network?: { nic?: unknown } })?.network?.nic : undefined);
  if (typeof nic !== 'string' || !nic) {
    if (flags.replan) throw badFlags([{ path: '--replan', message: 'There is no NIC to plan on: give one with --nic.' }]);
    return start;
  }
  try {
    // Every address another known lab uses is skipped; this folder's own lab keeps its own.
    const planned = await call(services, 'plan.suggest', { nic, agents: flags.agent?.length, base: draftFrom(start.lab), dir });
    return { ...start, planned: true, lab: overlay(start.lab, { network: planned.network, server: planned.server, agents: planned.agents }) };
  } catch (error) {
    if (error instanceof AppError && error.issues?.length) throw badFlags(flagIssues(error.issues, flags, start.source));
    throw error;
  }
}

export const renderCommand: Command = {
  name: 'render',
  summary: 'write a lab folder from lab.json or flags',
  usage,
  async run(argv, services, io) {
    const { values: flags } = parseFlags(argv, flagOptions, usage);
    const dir = requireDir(flags.dir, usage, 'where the lab goes');
    const { patch, issues } = flagPatch(flags);
    const base = await baseLab(flags, dir, services);
    // k3s is one choice (a channel and the release it pointed at, or a release), replaced whole.
    const lab = fillFromFlags(patch.k3s ? { ...(overlay(base.lab, patch) as Patch), k3s: patch.k3s } : overlay(base.lab, patch));
    const checked = validateLab(lab);
    if (checked.ok && base.file) refuseUnknownFields(lab, checked.config, base.file);
    // A flag that could not be read already has its line; the schema's view of it adds nothing.
    const unread = new Set(issues.map((issue) => issue.path));
    const problems = [...issues, ...(checked.ok ? [] : flagIssues(checked.issues, flags, base.source).filter((issue) => !unread.has(issue.path)))];
    if (problems.length || !checked.ok) throw badFlags(problems);
    // --k3s-channel asks for the channel's release now, even on a lab that pinned one from it before.
    const config =
      checked.config.k3s.source === 'channel' && flags['k3s-channel'] !== undefined
        ? { ...checked.config, k3s: { ...checked.config.k3s, version: await lookUpChannel(checked.config.k3s.value, services.ctx.env) } }
        : checked.config;
    const report = await call(services, 'lab.write', { dir, config, force: flags.force, keepLabJson: true });
    // Notes, on stderr with --json too: which addresses the plan skipped, and a typed one another lab uses.
    const { addresses } = await call(services, 'labs.addresses', {});
    if (base.planned) for (const note of skippedNotes(skippedAddresses(config, addresses, report.dir))) io.err(`${note}\n`);
    for (const held of addressIssues(config, addresses, report.dir)) io.err(`${checkStatusWords.warn}: ${held.message}\n`);
    if (flags.json) {
      printJson(io, report);
      return 0;
    }
    io.out(`Lab "${checked.config.name}" in ${report.dir}\n`);
    for (const name of report.written) io.out(`  wrote      ${name}\n`);
    for (const name of report.unchanged) io.out(`  unchanged  ${name}\n`);
    for (const kept of report.keptUserCopies)
      io.out(`  kept ${kept.name === LAB_JSON ? 'the previous' : 'your edited'} ${kept.name} as ${kept.keptAs}\n`);
    for (const name of report.removed) io.out(`  removed    ${name} (this lab no longer has it)\n`);
    for (const name of report.leftEdited) io.out(`  left       ${name} (edited by you; this lab no longer writes it)\n`);
    for (const { name, why } of report.ignored) io.out(`  ignored    ${name}: ${why}\n`);
    for (const note of hostFit(checked.config, hostInfo(services.ctx.platform)))
      if (note.level === 'warn') io.err(`${checkStatusWords.warn}: ${note.message}\n`);
    // Not a bare vagrant up: Up places the lab's k3s release in shared/ first, which the VMs install from.
    io.out(`Next: cluster-lab up --dir ${shellQuote(report.dir)}   (or Up in Cluster Lab)\n`);
    return 0;
  },
};
