/**
 * The lab folder's lock: one writer per lab. Every job and every write of the lab's files holds it,
 * in the app, in browser mode and in the CLI (separate processes), so a render never lands beside a
 * running `vagrant up`, and two jobs never run on one lab.
 *
 * The lock file holds what tells a live holder from a dead one: its pid, the process's start time
 * and the boot it started in (a reused pid or a reboot is not the holder), the host (a shared folder
 * on another machine is not ours to judge); a zombie counts as dead. It also holds the processes
 * the job started (Vagrant), so a job whose holder died and left Vagrant running is reported, not
 * run a second time beside it.
 *
 * No half-written lock ever exists: the whole record is written to a temporary file first and
 * link()ed into place, which fails with EEXIST when a lock is there. A stale lock is never removed
 * blindly: the taker first creates a claim named after the exact stale record (again by link(), so
 * only one process gets it), checks under the claim that the lock still is that record, and only
 * then removes it. A claim whose taker died is itself taken over the same way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, lstat, rename, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { JobKind } from '../../../shared/jobs';
import { ioError, readPlainFile } from '../files';
import { groupAlive, signalProcessTree } from '../process';
import { processAlive, processStart, thisBoot } from '../processLiveness';
import { stopStages, type StopStage } from '../signals';
import { delay } from '../time';

export const LOCK_FILE = '.cluster-lab.lock';

/** What holds the lock: a job, or a write of the lab's files (render, lab.write). */
export type LockKind = JobKind | 'write';
/** Which Cluster Lab holds it, for the refusal. */
export type LockOwner = 'app' | 'browser' | 'cli';

/** A process the holder's job started. */
export interface LockChild {
  pid: number;
  start: string | null;
  /** As the log shows it: `vagrant up agent1`. */
  command: string;
}

interface LockHolder {
  pid: number;
  /** The holder's start time as the OS counts it (Linux), so a recycled pid is not taken for the holder. */
  pidStart: string | null;
  /** /proc/sys/kernel/random/boot_id (Linux): a lock from before a reboot has no live holder. */
  bootId: string | null;
  hostname: string;
  owner: LockOwner;
  jobId: string;
  kind: LockKind;
  startedAt: number;
  children: LockChild[];
}

/** Which Cluster Lab this process is: the app's Electron, browser mode's host (out/main/web.js), or the CLI. */
export function lockOwner({ versions, env, argv }: Pick<NodeJS.Process, 'versions' | 'env' | 'argv'> = process): LockOwner {
  if (versions.electron && env.ELECTRON_RUN_AS_NODE !== '1') return 'app';
  return /(^|[\\/])web(\.js|[\\/]index\.ts)$/.test(argv[1] ?? '') ? 'browser' : 'cli';
}

const ownerText: Record<LockOwner, string> = { app: 'the Cluster Lab app', browser: 'Cluster Lab in browser mode', cli: 'the cluster-lab CLI' };

/**
 * A write (lab files, Delete folder, the registry of labs) takes seconds. One recorded as started
 * longer ago than this, where its process cannot be proved alive (another host name, or no start
 * time recorded: macOS, Windows), was left by a process that died in it (a reused pid, a host name
 * changed since): without this, such a lock would refuse every write there until someone deleted it
 * by hand. A holder this computer proves alive by its start time keeps it, however long (a suspended
 * `cluster-lab render`).
 */
const WRITE_LOCK_STALE_MS = 10 * 60_000;

const holderRunning = async (holder: LockHolder) => {
  const provable = holder.hostname === os.hostname() && Boolean(holder.pidStart);
  if (holder.kind === 'write' && !provable && !(Date.now() - holder.startedAt < WRITE_LOCK_STALE_MS)) return false;
  return holder.hostname !== os.hostname() || processAlive(holder.pid, holder.pidStart, holder.bootId ?? null);
};

/** Far more Vagrants than a job of the largest lab starts (one per machine, a few tries each). */
const MAX_RECORDED_CHILDREN = 64;

/**
 * The children of a dead holder that still run: they were never stopped. Only those whose recorded
 * start time is the one this computer gives for that pid now (Linux, macOS): without that, a pid the
 * OS has given to another process since, or one a lock from elsewhere names, would be reported, and
 * --stop-orphans would stop a stranger. Where no start time can be read (Windows) none is.
 */
async function leftRunning(holder: LockHolder): Promise<LockChild[]> {
  // A lab folder may come from elsewhere with any record in it. Each child is stopped by signalling
  // its group (-pid): pid 1 would make that every process there is (kill(2): -1), 0 our own group.
  const seen = new Set<number>();
  const children = (Array.isArray(holder.children) ? holder.children : [])
    .filter((child) => Number.isSafeInteger(child?.pid) && child.pid > 1 && typeof child.start === 'string')
    .filter((child) => !seen.has(child.pid) && seen.add(child.pid))
    // One Vagrant per machine and job: a record of thousands would only have each asked of ps (macOS).
    .slice(0, MAX_RECORDED_CHILDREN);
  const running: LockChild[] = [];
  // One at a time: on macOS each question is a ps process.
  for (const child of children)
    if ((await processStart(child.pid)) === child.start && (await processAlive(child.pid, child.start, holder.bootId ?? null))) running.push(child);
  return running;
}

function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as LockHolder;
    return typeof value === 'object' && value !== null && Number.isSafeInteger(value.pid) && value.pid > 0 ? value : null;
  } catch {
    return null;
  }
}

/** A record is a few hundred bytes; a lab folder from elsewhere may hold anything under its name. */
const LOCK_MAX_BYTES = 64 * 1024;
/** The lock's text, read only as a plain file and within bounds (a FIFO would hold the read for ever); null when there is none. */
const readRecord = (file: string) =>
  readPlainFile(file, {
    maxBytes: LOCK_MAX_BYTES,
    hint: 'Cluster Lab did not make it. Delete it if no Cluster Lab runs on this lab, then try again.',
  });
const readText = (file: string) => readRecord(file).catch(() => null);

const since = (holder: LockHolder) => new Date(holder.startedAt).toLocaleTimeString();

function who(holder: LockHolder): string {
  const where = holder.hostname !== os.hostname() ? ` on ${holder.hostname}` : '';
  const owner = ownerText[holder.owner] ? `, ${ownerText[holder.owner]}` : '';
  return `process ${holder.pid}${where}${owner}, since ${since(holder)}`;
}

function busy(holder: LockHolder, file: string): AppError {
  const doing = holder.kind === 'write' ? "Cluster Lab is writing this lab's files" : `The ${holder.kind} job is already running on this lab`;
  return new AppError('busy', `${doing} (${who(holder)}).`, {
    hint: `One writer per lab: Cluster Lab runs one job at a time on a lab and writes none of its files meanwhile. Wait for it to finish or cancel it where it runs. If no such process exists, delete ${file}.`,
  });
}

const childList = (children: LockChild[]) => children.map((child) => `${child.command} (process ${child.pid})`).join(', ');

function orphaned(holder: LockHolder, children: LockChild[], dir: string): AppError {
  return new AppError(
    'busy',
    `The ${holder.kind} job of process ${holder.pid} (since ${since(holder)}) ended without stopping what it started: ${childList(children)} still ${children.length === 1 ? 'runs' : 'run'} on this lab.`,
    {
      hint: `A second job beside ${children.length === 1 ? 'it' : 'them'} would work on the same machines. Wait for ${children.length === 1 ? 'it' : 'them'} to finish, or stop ${children.length === 1 ? 'it' : 'them'} (Ctrl-C first, as Cancel does): cluster-lab up --dir ${dir} --stop-orphans (or down, provision, destroy with --stop-orphans).`,
    },
  );
}

/** Put `text` at `file` only if nothing is there: written whole to a temporary file, then link()ed. */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx', mode: 0o644 });
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioError(error, file, 'create the job lock');
  } finally {
    await unlink(temp).catch(() => {});
  }
}

const ageMs = (file: string) =>
  stat(file).then(
    (s) => Date.now() - s.mtimeMs,
    () => Infinity,
  );

/** A broken record this young may be an older Cluster Lab's lock being written this moment (it wrote in two steps). */
const HALF_WRITTEN_MS = 5_000;

/** The claim on the stale record `judged` at `target`: named after that very record, so two takers of it meet at one name. */
export function claimFile(target: string, judged: string): string {
  const name = createHash('sha256')
    .update(`${path.basename(target)}\0${judged}`)
    .digest('hex')
    .slice(0, 16);
  return path.join(path.dirname(target), `${LOCK_FILE}.takeover-${name}`);
}

/**
 * Remove `target` if it still holds `judged`, the stale record this process judged: only the one
 * process that creates the claim for that very record may. When another process holds the claim,
 * nothing is done (the caller reads the lock again); a claim whose taker is dead is taken over first.
 */
async function removeStale(target: string, judged: string, claimant: string, depth = 0): Promise<void> {
  const claim = claimFile(target, judged);
  if (await createExclusive(claim, claimant)) {
    try {
      if ((await readText(target)) === judged) await unlink(target).catch(() => {});
    } finally {
      await unlink(claim).catch(() => {});
    }
    return;
  }
  const claimText = await readText(claim);
  if (claimText === null) return;
  const taker = parseHolder(claimText);
  if (taker ? await holderRunning(taker) : (await ageMs(claim)) < HALF_WRITTEN_MS) {
    await delay(20);
    return;
  }
  if (depth < 3) await removeStale(claim, claimText, claimant, depth + 1);
}

export interface LabLock {
  /** Take the lock for a job or a write; refused (naming the holder) while another holds it or its processes still run. */
  acquire(what: { jobId: string; kind: LockKind; startedAt: number }): Promise<void>;
  /** Record a process the job started, or forget one that ended, in the lock file. */
  addChild(child: LockChild): Promise<void>;
  removeChild(pid: number): Promise<void>;
  /** Remove the lock if it is still ours. */
  release(): Promise<void>;
}

/** The lock of the lab folder `dir`. */
export function labFolderLock(dir: string): LabLock {
  const file = path.join(dir, LOCK_FILE);
  let held: LockHolder | null = null;
  // Updates of the record are written one after another, and release waits for them.
  let writes: Promise<void> = Promise.resolve();
  const rewrite = (change: (holder: LockHolder) => void) => {
    const next = writes.then(async () => {
      if (!held) return;
      change(held);
      const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(held), { flag: 'wx', mode: 0o644 });
        await rename(temp, file);
      } catch (error) {
        await unlink(temp).catch(() => {});
        throw ioError(error, file, 'update the job lock');
      }
    });
    writes = next.catch(() => {});
    return next;
  };
  return {
    async acquire({ jobId, kind, startedAt }) {
      const me: LockHolder = {
        pid: process.pid,
        pidStart: await processStart(process.pid),
        bootId: await thisBoot(),
        hostname: os.hostname(),
        owner: lockOwner(),
        jobId,
        kind,
        startedAt,
        children: [],
      };
      const record = JSON.stringify(me);
      let halfWrittenWaits = 0;
      for (let attempt = 0; attempt < 20; attempt++) {
        if (await createExclusive(file, record)) {
          held = me;
          return;
        }
        // A plain lock of a record's size that failed to read was replaced under the read: read again.
        const text = await readRecord(file).catch(async (error: unknown) => {
          const now = await lstat(file).catch(() => null);
          if (now?.isFile() && now.size <= LOCK_MAX_BYTES) return null;
          throw error;
        });
        if (text === null) continue;
        const other = parseHolder(text);
        if (other) {
          if (await holderRunning(other)) throw busy(other, file);
          const children = await leftRunning(other);
          if (children.length) throw orphaned(other, children, dir);
        } else if ((await ageMs(file)) < HALF_WRITTEN_MS) {
          if (++halfWrittenWaits > 3) break;
          await delay(200);
          continue;
        }
        await removeStale(file, text, record);
      }
      throw new AppError('busy', `Could not take the job lock ${file}.`, { hint: 'Another job is starting on this lab; try again in a moment.' });
    },
    addChild: (child) => rewrite((holder) => void holder.children.push(child)),
    removeChild: (pid) =>
      rewrite((holder) => {
        holder.children = holder.children.filter((child) => child.pid !== pid);
      }),
    async release() {
      await writes;
      const ours = held;
      held = null;
      if (!ours) return;
      const text = await readText(file);
      const holder = text === null ? null : parseHolder(text);
      if (holder?.jobId === ours.jobId && holder.pid === ours.pid) await unlink(file).catch(() => {});
    },
  };
}

/** The live holder of a lab's lock as others may show it: what it runs, and which Cluster Lab. */
export interface RunningHolder {
  pid: number;
  hostname: string;
  /** null: a record that names no program we know. */
  owner: LockOwner | null;
  /** Words for a person: "the cluster-lab CLI (process 1234)". */
  description: string;
  jobId: string;
  kind: LockKind;
  startedAt: number;
  /** The holder is this very process. */
  here: boolean;
}

/**
 * Who holds the lock of lab `dir` now, if a live process does (null when nobody does, or the
 * record cannot be read). The record is a lab folder's word: only its shape is checked here; what
 * it names (a job id, a pid) is for showing and for matching, never a path or a signal.
 */
export async function runningHolder(dir: string): Promise<RunningHolder | null> {
  const text = await readText(path.join(dir, LOCK_FILE));
  const holder = text === null ? null : parseHolder(text);
  if (!holder || typeof holder.jobId !== 'string' || typeof holder.hostname !== 'string' || !Number.isSafeInteger(holder.startedAt)) return null;
  if (!(await holderRunning(holder))) return null;
  const owner = Object.hasOwn(ownerText, holder.owner) ? holder.owner : null;
  const where = holder.hostname !== os.hostname() ? ` on ${holder.hostname}` : '';
  return {
    pid: holder.pid,
    hostname: holder.hostname,
    owner,
    description: `${owner ? ownerText[owner] : 'another program'} (process ${holder.pid}${where})`,
    jobId: holder.jobId,
    kind: holder.kind,
    startedAt: holder.startedAt,
    here: holder.pid === process.pid && holder.hostname === os.hostname(),
  };
}

/**
 * Hold the lab's lock while `write` runs (render, lab.write). A folder that does not exist yet has
 * no job in it: there is nothing to hold, and `write` creates it.
 */
export async function withLabLock<T>(dir: string, write: () => Promise<T>): Promise<T> {
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!exists) return write();
  const lock = labFolderLock(dir);
  await lock.acquire({ jobId: `write-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`, kind: 'write', startedAt: Date.now() });
  try {
    return await write();
  } finally {
    await lock.release();
  }
}

/** How long a left-over process gets after each stage of the stop before the next one. */
export interface OrphanStopTimings {
  sigintWaitMs: number;
  sigtermWaitMs: number;
}

/**
 * Stop what a dead holder's job left running, the way Cancel stops a job (Ctrl-C, then SIGTERM,
 * then SIGKILL, to each process's whole group), and say what was stopped. A live holder is refused
 * as acquire refuses it; a stale lock itself is left for the next acquire to take over.
 */
export async function stopOrphans(dir: string, timings: OrphanStopTimings): Promise<LockChild[]> {
  const file = path.join(dir, LOCK_FILE);
  const text = await readRecord(file);
  const holder = text === null ? null : parseHolder(text);
  if (!holder) return [];
  if (await holderRunning(holder)) throw busy(holder, file);
  const children = await leftRunning(holder);
  const waitMs: Record<StopStage, number> = { interrupt: timings.sigintWaitMs, terminate: timings.sigtermWaitMs, kill: 2_000 };
  // Each led a process group of its own (streamTool starts it detached): what it started goes too.
  const stillThere = async (child: LockChild) => (await processAlive(child.pid, child.start, holder.bootId ?? null)) || groupAlive(child.pid);
  await Promise.all(
    children.map(async (child) => {
      for (const stage of stopStages(process.platform)) {
        if (!(await stillThere(child))) return;
        await signalProcessTree(child.pid, stage, process.platform);
        const deadline = Date.now() + waitMs[stage];
        while (Date.now() < deadline && (await stillThere(child))) await delay(50);
      }
    }),
  );
  return children;
}
