/**
 * "Your labs": every lab Cluster Lab wrote or opened (the registry in the app's data folder) and
 * every `~/ClusterLab/*` folder that holds a lab.json, each as one row. The rows are read from the
 * lab folders alone (lab.json, `.vagrant/machines`, the recorded states and check, logs/, the lock):
 * no Vagrant runs to make them. Times are ISO 8601 in UTC, so the CLI's `labs --json` prints the
 * very same objects.
 */
import type { FieldIssue } from './errors';
import type { JobKind } from './jobs';
import { inSubnet, parseCidr, parseIPv4 } from './lab/net';
import type { LabConfig } from './lab/schema';

/** A machine as the list knows it without asking Vagrant. */
export interface LabMachineRow {
  /** The Vagrant machine name: `server` or the agent's name. */
  name: string;
  role: 'server' | 'agent';
  ip: string;
  /**
   * The last state Vagrant gave for it (`running`, `poweroff`, `not_created`, ...), or, when none is
   * recorded or the VM was made or destroyed since: `created` (its VM exists) or `not_created`.
   */
  state: string;
  /** When `state` was read from Vagrant; null when it comes from the folder alone. */
  stateAt: string | null;
}

/** How a job that is not running any more ended: `interrupted` when its log has no end (its process died). */
export type LabJobResult = 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** The lab's most recent job that is not running, from `DIR/logs/`. */
export interface LabLastJob {
  id: string;
  kind: JobKind;
  result: LabJobResult;
  startedAt: string;
  /** When its log was last written. */
  finishedAt: string;
  logFile: string;
}

/** Whoever holds the lab's lock now: a job, or a write of its files, in the app, browser mode or the CLI. */
export interface LabRunningJob {
  kind: JobKind | 'write';
  /** null when the lock does not say (written by an older Cluster Lab). */
  owner: 'app' | 'browser' | 'cli' | null;
  pid: number;
  hostname: string;
  jobId: string;
  startedAt: string;
  /** Run by the very process that answered (the app or browser-mode host showing the list): only such a job can be cancelled from it. */
  here: boolean;
}

/** The Run step's words for a check: Loop-proof, At risk, Not checked. */
export type CheckVerdict = 'loop-proof' | 'at-risk' | 'not-checked';

/** The lab's last check, as recorded when it ran (Check lab, `cluster-lab check`, Up's last step). */
export interface LabCheckRow {
  verdict: CheckVerdict;
  checkedAt: string;
  nodes: { machine: string; verdict: CheckVerdict }[];
  /** Why the verdict no longer speaks for the machines (one stopped, was destroyed or re-provisioned since); null while it does. */
  stale: string | null;
}

export interface LabSummary {
  /** The lab's name from its lab.json; null when that could not be read. */
  name: string | null;
  dir: string;
  /** In the registry (written or opened by Cluster Lab); false for a `~/ClusterLab/*` folder found on disk only. */
  registered: boolean;
  machines: LabMachineRow[];
  job: LabLastJob | null;
  running: LabRunningJob | null;
  check: LabCheckRow | null;
  /** What is wrong with the folder (gone, unreadable lab.json, a link): the row stays, with this said. */
  problem: string | null;
}

export interface LabList {
  labs: LabSummary[];
  /** What was wrong with the registry file (unreadable, entries ignored); the labs found are listed all the same. */
  problem: string | null;
}

/** An address a known lab uses, and which lab. */
export interface LabAddress {
  ip: string;
  lab: string;
  dir: string;
}

/** What `labs.deleteFolder` removed. */
export interface DeleteFolderReport {
  dir: string;
  /** Paths relative to the folder, in the order removed. */
  removed: string[];
  /** The folder itself went too (nothing else was in it). */
  folderRemoved: boolean;
}

/** A new lab's name, folder and server name: none taken by a known lab or a non-empty folder. */
export interface NewLabDefaults {
  name: string;
  dir: string;
  serverName: string;
}

/** "192.168.1.110 is used by lab 'x' (/path)": how every message names the lab that holds an address. */
export const heldBy = (held: LabAddress): string => `${held.ip} is used by lab '${held.lab}' (${held.dir})`;

/** The addresses of other known labs (not the one in `ownDir`) in the plan's subnet: the ones a plan skipped. */
export function skippedAddresses(config: Pick<LabConfig, 'network'>, used: readonly LabAddress[], ownDir: string | null): LabAddress[] {
  const subnet = parseCidr(config.network.subnet);
  if (!subnet) return [];
  return used.filter((held) => {
    const address = parseIPv4(held.ip);
    return held.dir !== ownDir && address !== null && inSubnet(subnet, address);
  });
}

/** One line per lab: "Skipped 192.168.1.110, 192.168.1.111: used by lab 'x' (/path)." */
export function skippedNotes(skipped: readonly LabAddress[]): string[] {
  const byLab = new Map<string, LabAddress[]>();
  for (const held of skipped) byLab.set(held.dir, [...(byLab.get(held.dir) ?? []), held]);
  return [...byLab.values()].map((held) => `Skipped ${held.map((h) => h.ip).join(', ')}: used by lab '${held[0]!.lab}' (${held[0]!.dir}).`);
}

/**
 * The addresses of `config` that another known lab uses (never the lab in `ownDir` itself), each as
 * an issue on its field, naming that lab.
 */
export function addressIssues(config: Pick<LabConfig, 'server' | 'agents'>, used: readonly LabAddress[], ownDir: string | null): FieldIssue[] {
  const others = used.filter((held) => held.dir !== ownDir);
  const nodes = [{ path: 'server.ip', ip: config.server.ip }, ...config.agents.map((agent, i) => ({ path: `agents.${i}.ip`, ip: agent.ip }))];
  return nodes.flatMap((node) => {
    const held = others.find((h) => h.ip === node.ip);
    return held ? [{ path: node.path, message: `${heldBy(held)}: pick another address, or Reset to suggestion.` }] : [];
  });
}

/** The longest lab name the schema takes. */
const LAB_NAME_MAX = 40;

/**
 * A new lab's server host name, from the lab's name, so two labs' servers (node names, `/etc/hosts`
 * lines, registry names) never share one: `cluster-lab-2` -> `cluster-lab-2-server`. A lab.json that
 * names its server keeps that name.
 */
export const serverNameFor = (labName: string): string => `${labName}-server`;

/**
 * The `n`th candidate name for a new lab starting from `start` (1: itself, then `-2`, `-3`...):
 * lower case, letters, digits and inner hyphens, at most 40 characters; a trailing `-N` of `start`
 * is dropped first, so a lab made from `x-2` is `x-3`, not `x-2-2`.
 */
export function candidateLabName(start: string, n: number): string {
  const stem =
    start
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .replace(/-\d+$/, '') || 'cluster-lab';
  const suffix = n <= 1 ? '' : `-${n}`;
  return `${stem.slice(0, LAB_NAME_MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
}
