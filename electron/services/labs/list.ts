/**
 * The rows of "Your labs": the registry's folders and every `~/ClusterLab/*` folder that holds a
 * lab.json, each read from the folder alone. No Vagrant runs here (it would run each Vagrantfile as
 * Ruby, and take seconds a lab): machine states are the last ones recorded, corrected by what is
 * on disk (`.vagrant/machines/NAME/virtualbox/id` exists exactly while the VM does).
 *
 * Every folder is untrusted input: lab.json goes through the one schema (openLab), every file is
 * read as a plain file within a limit, no link is followed, and a folder that is gone, broken or
 * foreign becomes a row that says so.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { jobKinds, type PastJob } from '../../../shared/jobs';
import type { LabCheck } from '../../../shared/labCheck';
import { labMachines } from '../../../shared/lab/machines';
import { pinnedK3sVersion, type LabConfig } from '../../../shared/lab/schema';
import type { CheckVerdict, LabAddress, LabCheckRow, LabLastJob, LabList, LabMachineRow, LabRunningJob, LabSummary } from '../../../shared/labs';
import { staleCheck } from '../../../shared/staleCheck';
import type { ServiceContext } from '../context';
import { lstatIfAny } from '../files';
import { runningHolder } from '../jobs/lock';
import { listPastJobs } from '../jobs/logFiles';
import { existingMachines, openLab } from '../labFolder';
import { LAB_JSON } from '../../../shared/render';
import { readRecorded, type Recorded } from './recorded';
import { readRegistry } from './registry';

/** Where new labs go by default (labFolder.ts's defaultLabDir): every lab folder in it is listed, registered or not. */
export const labsHome = (ctx: Pick<ServiceContext, 'homeDir'>) => path.join(ctx.homeDir, 'ClusterLab');

/** The folders in ~/ClusterLab that hold a lab.json (a plain file): links there are not followed. */
async function foundLabFolders(ctx: ServiceContext): Promise<string[]> {
  const home = labsHome(ctx);
  if (!(await lstatIfAny(home).catch(() => null))?.isDirectory()) return [];
  const entries = await readdir(home, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(home, entry.name);
    if ((await lstatIfAny(path.join(dir, LAB_JSON)).catch(() => null))?.isFile()) found.push(dir);
  }
  return found;
}

const verdictOf = (ok: boolean | null): CheckVerdict => (ok === null ? 'not-checked' : ok ? 'loop-proof' : 'at-risk');

/**
 * The last check and whether it still speaks for the machines, by the Run step's rule
 * (shared/staleCheck.ts): a machine it checked stopped or was destroyed since (a state recorded
 * after it, or the disk now), or Up or Provision ran after it.
 */
function checkRow(
  check: LabCheck | null,
  machines: LabMachineRow[],
  jobs: readonly Pick<PastJob, 'kind' | 'startedAt'>[],
  now: number,
): LabCheckRow | null {
  if (!check) return null;
  const nodes = check.nodes.map((node) => ({ machine: node.machine, verdict: verdictOf(node.ok) }));
  const verdict: CheckVerdict = check.ok ? 'loop-proof' : nodes.some((n) => n.verdict === 'at-risk') ? 'at-risk' : 'not-checked';
  const checkedAt = Date.parse(check.checkedAt);
  const seen = machines.map((machine) => ({
    machine: machine.name,
    // A state read before the check says nothing of what came after; `created` says nothing at all.
    vagrantState: machine.state === 'created' || (machine.stateAt !== null && Date.parse(machine.stateAt) < checkedAt) ? 'unknown' : machine.state,
  }));
  const stale = staleCheck(check, { checkedAt: now, nodes: seen }, jobs);
  return { verdict, checkedAt: check.checkedAt, nodes, stale: stale?.reason ?? null };
}

const isoOrNull = (ms: number): string | null => {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

/** The lab lock's live holder, whoever it is (the CLI included); a record naming what this Cluster Lab does not know is said as a problem. */
async function runningOn(dir: string): Promise<{ running: LabRunningJob | null; problem: string | null }> {
  const holder = await runningHolder(dir).catch(() => null);
  if (!holder) return { running: null, problem: null };
  const kind = holder.kind === 'write' || (jobKinds as readonly string[]).includes(holder.kind) ? holder.kind : null;
  const startedAt = isoOrNull(holder.startedAt);
  if (kind === null || startedAt === null)
    return { running: null, problem: `${holder.description} holds this lab's lock for something this Cluster Lab does not know.` };
  return {
    running: { kind, owner: holder.owner, pid: holder.pid, hostname: holder.hostname, jobId: holder.jobId, startedAt, here: false },
    problem: null,
  };
}

/** The newest job of the lab's logs that is not running now. */
function lastJob(jobs: PastJob[]): LabLastJob | null {
  const job = jobs.find((past) => !past.running && past.endedAt !== null);
  if (!job) return null;
  return {
    id: job.id,
    kind: job.kind,
    result: job.result ?? 'interrupted',
    startedAt: new Date(job.startedAt).toISOString(),
    finishedAt: new Date(job.endedAt!).toISOString(),
    logFile: job.logFile,
  };
}

/**
 * Each machine's state: the recorded one while the disk agrees with it; where the VM was made or
 * destroyed since (by a Vagrant run outside Cluster Lab, say), what the disk says.
 */
function machineRows(config: LabConfig, recorded: Recorded, created: ReadonlySet<string>): LabMachineRow[] {
  return labMachines(config).map((machine) => {
    const exists = created.has(machine.machine);
    const state = recorded.states?.machines[machine.machine];
    const agrees = state !== undefined && (state === 'not_created') === !exists;
    return {
      name: machine.machine,
      role: machine.role,
      ip: machine.ip,
      state: agrees ? state : exists ? 'created' : 'not_created',
      stateAt: agrees ? recorded.states!.at : null,
    };
  });
}

/** An unreadable lab.json in words that name the file, and the first thing wrong with it. */
function problemOf(dir: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = error instanceof AppError ? error.issues?.[0] : undefined;
  const named = message.includes(dir) ? message : `${path.join(dir, LAB_JSON)}: ${message}`;
  return first ? `${named} ${first.path}: ${first.message}` : named;
}

interface Row {
  summary: LabSummary;
  config: LabConfig | null;
}

async function labRow(dir: string, registered: boolean): Promise<Row> {
  const summary: LabSummary = { name: null, dir, registered, machines: [], job: null, running: null, check: null, problem: null };
  const found = await lstatIfAny(dir).catch(() => null);
  if (!found) return { summary: { ...summary, problem: `${dir} is not there any more (moved or deleted).` }, config: null };
  if (!found.isDirectory())
    return {
      summary: { ...summary, problem: `${dir} is ${found.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}: Cluster Lab does not follow it.` },
      config: null,
    };
  let config: LabConfig | null = null;
  try {
    config = await openLab(dir);
  } catch (error) {
    summary.problem = problemOf(dir, error);
  }
  const [recorded, created, { running, problem }] = await Promise.all([
    readRecorded(dir),
    existingMachines(dir).catch(() => [] as string[]),
    runningOn(dir),
  ]);
  summary.running = running;
  summary.problem ??= problem;
  const jobs = await listPastJobs(dir, running?.jobId ?? null).catch(() => [] as PastJob[]);
  summary.job = lastJob(jobs);
  if (config) {
    summary.name = config.name;
    summary.machines = machineRows(config, recorded, new Set(created));
  }
  summary.check = checkRow(
    recorded.check,
    summary.machines,
    [...jobs, ...(running?.kind === 'up' || running?.kind === 'provision' ? [{ kind: running.kind, startedAt: Date.parse(running.startedAt) }] : [])],
    Date.now(),
  );
  return { summary, config };
}

async function rows(ctx: ServiceContext): Promise<{ rows: Row[]; problem: string | null }> {
  const registry = await readRegistry(ctx);
  const registered = new Set(registry.entries.map((entry) => entry.dir));
  const dirs = [...registered, ...(await foundLabFolders(ctx)).filter((dir) => !registered.has(dir))];
  const made = await Promise.all(dirs.map((dir) => labRow(dir, registered.has(dir))));
  made.sort((a, b) => (a.summary.name ?? '\uffff').localeCompare(b.summary.name ?? '\uffff') || a.summary.dir.localeCompare(b.summary.dir));
  return { rows: made, problem: registry.problem };
}

/**
 * Every known lab, one row each. `ownJobs` are the jobs the calling process runs itself: a row whose
 * lock names one of them, in that job's own folder, says `here` (a lock is a lab folder's word, and
 * only the runner knows what it runs).
 */
export async function listLabs(ctx: ServiceContext, ownJobs: readonly { id: string; dir: string }[] = []): Promise<LabList> {
  const { rows: made, problem } = await rows(ctx);
  const labs = made.map(({ summary }) =>
    summary.running && ownJobs.some((job) => job.id === summary.running!.jobId && job.dir === summary.dir)
      ? { ...summary, running: { ...summary.running, here: true } }
      : summary,
  );
  return { labs, problem };
}

/** Every address a known lab's lab.json gives a machine, with the lab. */
export async function labAddresses(ctx: ServiceContext): Promise<LabAddress[]> {
  const { rows: made } = await rows(ctx);
  return made.flatMap(({ summary, config }) =>
    config ? labMachines(config).map((machine) => ({ ip: machine.ip, lab: config.name, dir: summary.dir })) : [],
  );
}

/** The k3s release each known lab pins, with the labs that pin it (what a prune of the cache keeps). */
export async function labK3sVersions(ctx: ServiceContext): Promise<Map<string, string[]>> {
  const { rows: made } = await rows(ctx);
  const versions = new Map<string, string[]>();
  for (const { config } of made) {
    const version = config ? pinnedK3sVersion(config.k3s) : null;
    if (config && version) versions.set(version, [...(versions.get(version) ?? []), config.name]);
  }
  return versions;
}
