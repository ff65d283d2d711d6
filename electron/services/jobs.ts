/**
 * Jobs: Up, Down, Destroy, Provision and Status on a lab folder, one at a time per lab (also
 * across processes, through a lock file in the folder), each with steps, a log file that gets
 * every byte as it arrives, and log lines sent to the views in batches a few times a second.
 *
 * The log pipeline is built around the view, not the pipe: a child may pour out a million lines
 * in seconds, the file takes them all, every line is counted, and a batch carries at most the
 * lines a view's bounded scrollback would keep, so no consumer ever chokes on what it would drop.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { toolMeta, type ToolName } from '../../shared/host';
import {
  LOG_BATCH_MAX_LINES,
  VIEW_SCROLLBACK_LINES,
  type JobInfo,
  type JobKind,
  type JobStep,
  type LabStatus,
  type LogLine,
  type NodeStatus,
} from '../../shared/jobs';
import { labMachines } from '../../shared/lab/machines';
import type { LabConfig } from '../../shared/lab/schema';
import { LineSplitter, stripAnsi } from '../../shared/lines';
import { isErrorLine, lineNode, lockedHint, lockedMachine, machineStates, parseMachineReadable, type MachineState } from '../../shared/vagrantOutput';
import type { ServiceContext } from './context';
import { ioError } from './files';
import { getNodes, LAB_KUBECONFIG, writeLabKubeconfig } from './kubectl';
import { openLab } from './labFolder';
import { assertBridgeUsable } from './network';
import { streamTool, type StreamingProcess } from './process';
import { findExecutable } from './tools';
import { vagrantArgs, vagrantEnv, vagrantStatus } from './vagrant';

export interface RunnerOptions {
  /** How often lines go to the views. */
  batchMs?: number;
  /** The most lines one batch carries; the ones before them are counted as omitted. */
  maxBatchLines?: number;
  /** Lines kept for a view that attaches late (a reloaded page). */
  tailLines?: number;
  readyTimeoutMs?: number;
  readyPollMs?: number;
  /** Cancel: how long Vagrant gets to clean up after Ctrl-C, then after SIGTERM, before SIGKILL. */
  sigintWaitMs?: number;
  sigtermWaitMs?: number;
}

export interface StartOptions {
  /** Every line, unbatched and never omitted, as it is split (the CLI prints them all). */
  onLine?: (line: LogLine) => void;
}

const defaults: Required<RunnerOptions> = {
  batchMs: 100,
  maxBatchLines: LOG_BATCH_MAX_LINES,
  tailLines: VIEW_SCROLLBACK_LINES,
  readyTimeoutMs: 5 * 60_000,
  readyPollMs: 3_000,
  sigintWaitMs: 30_000,
  sigtermWaitMs: 10_000,
};

const stepLabels: Record<string, string> = {
  'vagrant-up': 'vagrant up (create, boot and provision the VMs)',
  kubeconfig: 'Write the kubeconfig',
  registry: 'Apply registry.yaml',
  'nodes-ready': 'Wait until every node is Ready',
  'vagrant-halt': 'vagrant halt',
  'vagrant-destroy': 'vagrant destroy',
  'vagrant-provision': 'vagrant provision',
  'vagrant-status': 'vagrant status',
};

const plans: Record<JobKind, string[]> = {
  up: ['vagrant-up', 'kubeconfig', 'registry', 'nodes-ready'],
  down: ['vagrant-halt'],
  destroy: ['vagrant-destroy'],
  provision: ['vagrant-provision'],
  status: ['vagrant-status'],
};

const toolsFor: Record<JobKind, ToolName[]> = {
  up: ['vagrant', 'VBoxManage', 'kubectl'],
  down: ['vagrant', 'VBoxManage'],
  destroy: ['vagrant', 'VBoxManage'],
  provision: ['vagrant', 'VBoxManage'],
  status: ['vagrant', 'VBoxManage'],
};

/** The tools a job needs, found before anything starts; one message naming every missing one and where to get it. */
export async function requireTools(ctx: Pick<ServiceContext, 'env' | 'platform'>, names: ToolName[]): Promise<Record<ToolName, string>> {
  const found = await Promise.all(names.map(async (name) => [name, await findExecutable(name, ctx)] as const));
  const missing = found.filter(([, file]) => file === null).map(([name]) => name);
  if (missing.length)
    throw new AppError(
      'tool_missing',
      `${missing.map((n) => toolMeta[n].label).join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed (not found on PATH).`,
      {
        hint: missing.map((n) => toolMeta[n].installHint).join(' '),
      },
    );
  return Object.fromEntries(found) as Record<ToolName, string>;
}

class StepFailure extends Error {
  constructor(
    readonly failure: NonNullable<JobInfo['failure']>,
    readonly exitCode: number | null,
  ) {
    super(failure.message);
  }
}
class Cancelled extends Error {}

/** One job's log: the file (every byte), the lines (split per stream), the batches, the tail. */
class JobLog {
  private readonly file: WriteStream;
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private pending: LogLine[] = [];
  private omitted = 0;
  private tail: LogLine[] = [];
  private readonly timer: NodeJS.Timeout;
  private childRunning = false;
  private appLinesForFile: string[] = [];
  private fileError: Error | null = null;
  seq = 0;

  constructor(
    readonly path: string,
    private readonly jobId: string,
    private readonly machines: ReadonlySet<string>,
    private readonly options: Required<RunnerOptions>,
    private readonly emit: (lines: LogLine[], omitted: number, total: number) => void,
    private readonly onLine?: (line: LogLine) => void,
  ) {
    this.file = createWriteStream(path, { flags: 'a' });
    this.file.on('error', (error) => (this.fileError = error));
    this.timer = setInterval(() => this.flush(), options.batchMs);
  }

  childStarted(): void {
    this.childRunning = true;
  }

  /** Returns false when the file cannot take more for now: the caller stops reading until `whenDrained`. */
  chunk(stream: 'stdout' | 'stderr', chunk: Uint8Array): boolean {
    const more = this.file.write(chunk);
    for (const text of this.splitters[stream].push(chunk)) this.add(stream, text);
    return more || this.fileError !== null;
  }

  whenDrained(then: () => void): void {
    const done = () => {
      this.file.off('drain', done);
      this.file.off('error', done);
      then();
    };
    this.file.once('drain', done);
    this.file.once('error', done);
  }

  childEnded(): void {
    for (const stream of ['stdout', 'stderr'] as const) for (const text of this.splitters[stream].flush()) this.add(stream, text);
    this.childRunning = false;
    for (const text of this.appLinesForFile) this.file.write(text);
    this.appLinesForFile = [];
  }

  /** Cluster Lab's own line; in the file it waits for a running child's output to end, so no line of theirs is cut. */
  app(text: string): void {
    const entry = `[cluster-lab] ${text}\n`;
    if (this.childRunning) this.appLinesForFile.push(entry);
    else this.file.write(entry);
    this.add('app', text);
  }

  private add(stream: LogLine['stream'], text: string): void {
    // Which node a line speaks for is worked out only for lines someone sees (a batch, the tail,
    // the CLI): in a flood most lines are counted and filed, never shown.
    const line: LogLine = { seq: this.seq++, stream, node: null, text };
    if (this.onLine) this.onLine(this.tag(line));
    const max = this.options.maxBatchLines;
    this.pending.push(line);
    if (this.pending.length >= 2 * max) {
      this.omitted += this.pending.length - max;
      this.pending = this.pending.slice(-max);
    }
    this.tail.push(line);
    if (this.tail.length >= 2 * this.options.tailLines) this.tail = this.tail.slice(-this.options.tailLines);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const max = this.options.maxBatchLines;
    const omitted = this.omitted + Math.max(0, this.pending.length - max);
    const lines = this.pending.length > max ? this.pending.slice(-max) : this.pending;
    this.pending = [];
    this.omitted = 0;
    for (const line of lines) this.tag(line);
    this.emit(lines, omitted, this.seq);
  }

  private tag(line: LogLine): LogLine {
    if (line.node === null && line.stream !== 'app') line.node = lineNode(line.text, this.machines);
    return line;
  }

  lastLines(count: number): LogLine[] {
    return this.tail.slice(-count).map((line) => this.tag(line));
  }

  /** The machine the last tagged line of the tail spoke for, and its last `==> name: action`. */
  whereItStopped(): { node: string | null; action: string | null } {
    let node: string | null = null;
    for (let i = this.tail.length - 1; i >= 0; i--) {
      const line = this.tag(this.tail[i]!);
      if (!line.node || (node !== null && line.node !== node)) continue;
      node = line.node;
      const action = /^==> [^:]+: (.*)$/.exec(stripAnsi(line.text))?.[1];
      if (action) return { node, action };
    }
    return { node, action: null };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    await new Promise<void>((resolve) => this.file.end(() => resolve()));
    if (this.fileError) throw ioError(this.fileError, this.path, 'write the log');
  }
}

interface Job {
  info: JobInfo;
  config: LabConfig;
  tools: Record<ToolName, string>;
  log: JobLog;
  child: StreamingProcess | null;
  cancelRequested: boolean;
  finished: Promise<JobInfo>;
  statusOutput: string;
}

const snapshot = (info: JobInfo): JobInfo => ({ ...info, steps: info.steps.map((s) => ({ ...s })), failure: info.failure && { ...info.failure } });
const fileStamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Whether `promise` settled within `ms` (the timer goes when it does, so it keeps no process alive). */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export const LOCK_FILE = '.cluster-lab.lock';

interface LockHolder {
  pid: number;
  /** The holder's start time as the OS counts it (Linux), so a recycled pid is not taken for the holder. */
  pidStart: string | null;
  hostname: string;
  jobId: string;
  kind: JobKind;
  startedAt: number;
}

/** Linux: the process's start time in clock ticks since boot (field 22 of /proc/PID/stat); null elsewhere. */
async function processStart(pid: number): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return text?.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

async function holderAlive(holder: LockHolder): Promise<boolean> {
  if (holder.hostname !== os.hostname()) return true; // a folder shared with another machine: its processes are not ours to judge
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = await processStart(holder.pid);
  return start === null || holder.pidStart === null || start === holder.pidStart;
}

/**
 * The lab folder's job lock: a file created exclusively, holding the owner's pid and start time.
 * It is what keeps the app and the CLI (two processes) from running two jobs on one lab; a lock
 * whose process is gone is stale and taken over.
 */
export function labFolderLock(dir: string) {
  const file = path.join(dir, LOCK_FILE);
  let held: string | null = null;
  return {
    async acquire(job: { jobId: string; kind: JobKind; startedAt: number }): Promise<void> {
      const holder: LockHolder = { pid: process.pid, pidStart: await processStart(process.pid), hostname: os.hostname(), ...job };
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const handle = await open(file, 'wx', 0o644);
          await handle.writeFile(JSON.stringify(holder));
          await handle.close();
          held = job.jobId;
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(error, file, 'create the job lock');
        }
        const text = await readFile(file, 'utf8').catch(() => null);
        let other: LockHolder | null = null;
        try {
          other = text ? (JSON.parse(text) as LockHolder) : null;
        } catch {
          other = null;
        }
        if (other && (await holderAlive(other)))
          throw new AppError(
            'busy',
            `The ${other.kind} job is already running on this lab (process ${other.pid}${other.hostname !== os.hostname() ? ` on ${other.hostname}` : ''}, since ${new Date(other.startedAt).toLocaleTimeString()}).`,
            {
              hint: `Cluster Lab runs one job per lab at a time: wait for that one to finish or cancel it where it runs. If no such process exists, delete ${file}.`,
            },
          );
        if (!other) {
          // Half-written by a process that is creating it this very moment, or left broken by a crash.
          const age = await stat(file).then(
            (s) => Date.now() - s.mtimeMs,
            () => Infinity,
          );
          if (age < 5_000) {
            await delay(200);
            continue;
          }
        }
        await rm(file, { force: true });
      }
      throw new AppError('busy', `Could not take the job lock ${file}.`, { hint: 'Another job is starting on this lab; try again in a moment.' });
    },
    /** Remove the lock if it is still ours. */
    async release(): Promise<void> {
      if (!held) return;
      const text = await readFile(file, 'utf8').catch(() => null);
      try {
        if (text && (JSON.parse(text) as LockHolder).jobId === held) await rm(file, { force: true });
      } catch {
        // someone else's broken lock: not ours to remove
      }
      held = null;
    },
  };
}

export class LabRunner {
  private readonly options: Required<RunnerOptions>;
  /** The latest job of each lab folder (running or finished), for attach. */
  private readonly latest = new Map<string, Job>();
  private readonly byId = new Map<string, Job>();

  constructor(
    private readonly ctx: ServiceContext,
    options: RunnerOptions = {},
  ) {
    this.options = { ...defaults, ...options };
  }

  /** Start a job; refused (never a second vagrant) while one runs on the lab, here or in another process. */
  async start(dirInput: string, kind: JobKind, startOptions: StartOptions = {}): Promise<JobInfo> {
    const dir = path.resolve(dirInput);
    const config = await openLab(dir);
    const running = this.latest.get(dir);
    if (running?.info.status === 'running')
      throw new AppError(
        'busy',
        `The ${running.info.kind} job is already running on this lab (since ${new Date(running.info.startedAt).toLocaleTimeString()}).`,
        {
          hint: 'Cluster Lab runs one job per lab at a time: wait for it to finish, or cancel it first.',
        },
      );
    const tools = await requireTools(this.ctx, toolsFor[kind]);
    // Only Up attaches the bridged adapters (a new VM, or one booted again); Provision, Down and
    // Destroy work on what is there and need no bridge.
    if (kind === 'up') await assertBridgeUsable(this.ctx, tools.VBoxManage, config.network.bridge);
    const startedAt = Date.now();
    const id = `${kind}-${startedAt.toString(36)}-${randomBytes(3).toString('hex')}`;
    const lock = labFolderLock(dir);
    await lock.acquire({ jobId: id, kind, startedAt });
    try {
      const logsDir = path.join(dir, 'logs');
      await mkdir(logsDir, { recursive: true }).catch((error: unknown) => {
        throw ioError(error, logsDir, 'create');
      });
      const steps: JobStep[] = plans[kind].map((stepId) => ({
        id: stepId,
        label: stepLabels[stepId]!,
        status: stepId === 'registry' && !config.registry.enabled ? 'skipped' : 'pending',
      }));
      const info: JobInfo = {
        id,
        dir,
        kind,
        status: 'running',
        startedAt,
        endedAt: null,
        exitCode: null,
        steps,
        currentStep: null,
        logFile: path.join(logsDir, `${fileStamp(startedAt)}-${id}.log`),
        lineCount: 0,
      };
      const machines = new Set(labMachines(config).map((m) => m.machine));
      const log = new JobLog(
        info.logFile,
        id,
        machines,
        this.options,
        (lines, omitted, total) => {
          info.lineCount = total;
          this.ctx.events.emit('job.log', { jobId: id, lines, omitted, total });
        },
        startOptions.onLine,
      );
      const job: Job = { info, config, tools, log, child: null, cancelRequested: false, finished: Promise.resolve(info), statusOutput: '' };
      // A finished job's log tail is let go when the next one starts on the lab.
      const previous = this.latest.get(dir);
      if (previous) this.byId.delete(previous.info.id);
      this.latest.set(dir, job);
      this.byId.set(id, job);
      job.finished = this.run(job, lock.release);
      this.update(job);
      return snapshot(info);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Cancel a job: Ctrl-C for Vagrant's cleanup, then SIGTERM, then SIGKILL, the whole tree; resolves when it has ended. */
  async cancel(jobId: string): Promise<JobInfo> {
    const job = this.byId.get(jobId);
    if (!job) throw new AppError('not_found', `There is no job ${jobId}.`, { hint: 'It may have ended already; refresh the status.' });
    if (job.info.status !== 'running') return snapshot(job.info);
    if (!job.cancelRequested) {
      job.cancelRequested = true;
      job.log.app('Cancel requested: stopping the running command (Ctrl-C first, so Vagrant can clean up and release its machine locks).');
      if (job.child) await this.stopTree(job, job.child);
    }
    return snapshot(await job.finished);
  }

  /** The lab's running (or last) job and the tail of its log, for a view that arrives late. */
  attach(dirInput: string): { job: JobInfo | null; tail: LogLine[] } {
    const job = this.latest.get(path.resolve(dirInput));
    if (!job) return { job: null, tail: [] };
    job.log.flush();
    return { job: snapshot(job.info), tail: job.log.lastLines(this.options.tailLines) };
  }

  /** A job's end (for the CLI and tests). */
  async wait(jobId: string): Promise<JobInfo> {
    const job = this.byId.get(jobId);
    if (!job) throw new AppError('not_found', `There is no job ${jobId}.`);
    return snapshot(await job.finished);
  }

  runningJobs(): JobInfo[] {
    return [...this.latest.values()].filter((job) => job.info.status === 'running').map((job) => snapshot(job.info));
  }

  /** Node states from Vagrant, plus readiness from the cluster when it answers. */
  async status(dirInput: string): Promise<LabStatus> {
    const dir = path.resolve(dirInput);
    const config = await openLab(dir);
    try {
      const tools = await requireTools(this.ctx, ['vagrant']);
      return await this.statusFrom(dir, config, await vagrantStatus(tools.vagrant, dir, this.ctx));
    } catch (error) {
      return this.unknownStatus(dir, config, error instanceof Error ? error.message : String(error));
    }
  }

  /** Cancel every running job and wait for each to end: nothing is left half-killed. */
  async dispose(): Promise<void> {
    await Promise.all(this.runningJobs().map((job) => this.cancel(job.id).catch(() => {})));
  }

  private update(job: Job): void {
    this.ctx.events.emit('job.update', snapshot(job.info));
  }

  private async run(job: Job, releaseLock: () => Promise<void>): Promise<JobInfo> {
    const { info, log } = job;
    log.app(`${info.kind} started for lab "${job.config.name}" in ${info.dir}`);
    try {
      for (const step of info.steps) {
        if (step.status === 'skipped') continue;
        if (job.cancelRequested) throw new Cancelled();
        step.status = 'running';
        step.startedAt = Date.now();
        info.currentStep = step.id;
        log.app(`Step: ${step.label}`);
        this.update(job);
        await this.runStep(job, step.id);
        step.status = 'succeeded';
        step.endedAt = Date.now();
        this.update(job);
      }
      info.status = 'succeeded';
      info.exitCode = 0;
      info.currentStep = null;
      log.app(`${info.kind} finished.`);
    } catch (error) {
      const step = info.steps.find((s) => s.status === 'running');
      if (step) step.endedAt = Date.now();
      if (error instanceof Cancelled || job.cancelRequested) {
        info.status = 'cancelled';
        if (step) step.status = 'cancelled';
        log.app(`${info.kind} cancelled.`);
      } else {
        info.status = 'failed';
        if (step) step.status = 'failed';
        info.exitCode = error instanceof StepFailure ? error.exitCode : null;
        info.failure =
          error instanceof StepFailure
            ? error.failure
            : {
                machine: null,
                step: step?.label ?? null,
                message: error instanceof Error ? error.message : String(error),
                hint: error instanceof AppError ? error.hint : undefined,
                lastLines: [],
              };
        log.app(`${info.kind} failed: ${info.failure.message}${info.failure.hint ? ` ${info.failure.hint}` : ''}`);
      }
      for (const rest of info.steps) if (rest.status === 'pending') rest.status = 'skipped';
    }
    try {
      await log.close();
    } catch (error) {
      info.failure ??= { machine: null, step: null, message: (error as Error).message, lastLines: [] };
    }
    await releaseLock();
    info.endedAt = Date.now();
    info.lineCount = log.seq;
    this.update(job);
    // After every job the node table is refreshed, so it never shows what was true before the job.
    const status =
      info.kind === 'status' && info.status === 'succeeded'
        ? await this.statusFrom(info.dir, job.config, machineStates(parseMachineReadable(job.statusOutput)))
        : await this.status(info.dir).catch((error: unknown) => this.unknownStatus(info.dir, job.config, String(error)));
    this.ctx.events.emit('lab.status', status);
    return snapshot(info);
  }

  private async runStep(job: Job, stepId: string): Promise<void> {
    const { config, tools, info } = job;
    const kubeconfig = path.join(info.dir, LAB_KUBECONFIG);
    switch (stepId) {
      case 'vagrant-up':
      case 'vagrant-halt':
      case 'vagrant-destroy':
      case 'vagrant-provision':
      case 'vagrant-status':
        return this.runChild(job, stepId, tools.vagrant, vagrantArgs[info.kind], vagrantEnv(this.ctx));
      case 'kubeconfig': {
        const file = await writeLabKubeconfig(info.dir, config);
        job.log.app(`Wrote ${file} (server https://${config.server.ip}:6443, context "${config.name}").`);
        return;
      }
      case 'registry': {
        const manifest = path.join(info.dir, 'registry.yaml');
        if (
          !(await stat(manifest).then(
            (s) => s.isFile(),
            () => false,
          ))
        )
          throw new StepFailure(
            {
              machine: null,
              step: stepLabels.registry!,
              message: `The registry is on but ${manifest} is missing.`,
              hint: 'Write the lab again from the Review step (or `cluster-lab render`), then run Up.',
              lastLines: [],
            },
            null,
          );
        return this.runChild(job, stepId, tools.kubectl, ['--kubeconfig', kubeconfig, 'apply', '-f', manifest], this.ctx.env);
      }
      case 'nodes-ready':
        return this.waitReady(job, tools.kubectl, kubeconfig);
    }
  }

  /** One streamed child: every chunk to the log; a non-zero exit is a failure naming the machine and what it was doing. */
  private async runChild(job: Job, stepId: string, file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
    const { log } = job;
    log.app(`$ ${path.basename(file)} ${args.join(' ')}`);
    log.childStarted();
    const collect = job.info.kind === 'status';
    // The disk sets the pace when it is slower than the child: reading pauses, nothing piles up in memory.
    let paused = false;
    const take = (stream: 'stdout' | 'stderr', chunk: Uint8Array) => {
      if (log.chunk(stream, chunk) || paused) return;
      paused = true;
      child.pause();
      log.whenDrained(() => {
        paused = false;
        child.resume();
      });
    };
    const child = streamTool(file, args, {
      cwd: job.info.dir,
      env,
      onStdout: (chunk) => {
        if (collect) job.statusOutput += Buffer.from(chunk).toString('utf8');
        take('stdout', chunk);
      },
      onStderr: (chunk) => take('stderr', chunk),
    });
    job.child = child;
    const result = await child.done;
    job.child = null;
    log.childEnded();
    if (job.cancelRequested) throw new Cancelled();
    if (result.spawnError) {
      throw new StepFailure(
        {
          machine: null,
          step: stepLabels[stepId]!,
          message: `Could not start ${file}: ${result.spawnError}.`,
          hint: 'Check the installation (Check machine step), then try again.',
          lastLines: [],
        },
        null,
      );
    }
    if (result.exitCode === 0) return;
    const tail = log.lastLines(60).filter((line) => line.stream !== 'app');
    const text = tail.map((line) => stripAnsi(line.text)).join('\n');
    const locked = lockedMachine(text);
    const errors = tail.filter((line) => line.stream === 'stderr' || isErrorLine(line.text)).map((line) => stripAnsi(line.text));
    const lastLines = (errors.length ? errors : tail.map((line) => stripAnsi(line.text))).slice(-10);
    const tool = path.basename(file).replace(/\.exe$/i, '');
    const exit = result.exitCode === null ? `was stopped by ${result.signal ?? 'a signal'}` : `exited with ${result.exitCode}`;
    const stopped = tool === 'vagrant' ? log.whereItStopped() : { node: null, action: null };
    const machine = locked?.machine ?? stopped.node;
    const doing = stopped.action ? ` while "${stopped.action.replace(/\.\.\.$/, '')}"` : '';
    throw new StepFailure(
      {
        machine,
        step: stepLabels[stepId]!,
        message: locked
          ? `Vagrant says machine "${locked.machine ?? 'unknown'}" is locked by another process.`
          : `${tool} ${args[0] === '--kubeconfig' ? args.slice(2).join(' ') : args[0]} failed${machine ? ` on ${machine}` : ''}${doing} (${exit}).`,
        hint: locked
          ? lockedHint
          : 'The highlighted lines below are the last errors; the whole log is in the log file. Fix the cause, then run the step again (Provision re-runs the install scripts on running VMs).',
        lastLines,
      },
      result.exitCode,
    );
  }

  private async stopTree(job: Job, child: StreamingProcess): Promise<void> {
    const { log } = job;
    await child.signalTree('SIGINT');
    if (!(await within(child.done, this.options.sigintWaitMs))) {
      log.app(`Still running ${this.options.sigintWaitMs / 1000} s after Ctrl-C: sending SIGTERM.`);
      await child.signalTree('SIGTERM');
      if (!(await within(child.done, this.options.sigtermWaitMs))) {
        log.app('Still running: killing it (SIGKILL).');
        await child.signalTree('SIGKILL');
        await child.done;
      }
    }
    // The command has ended; anything it started that is still alive (a stuck ssh, a VBoxManage) goes too.
    if (child.treeAlive()) {
      log.app('Processes started by the command are still running: stopping them.');
      await child.signalTree('SIGTERM');
      const deadline = Date.now() + this.options.sigtermWaitMs;
      while (child.treeAlive() && Date.now() < deadline) await delay(50);
      if (child.treeAlive()) {
        await child.signalTree('SIGKILL');
        const reaped = Date.now() + 2_000;
        while (child.treeAlive() && Date.now() < reaped) await delay(20);
      }
    }
  }

  private async waitReady(job: Job, kubectl: string, kubeconfig: string): Promise<void> {
    const machines = labMachines(job.config);
    const expected = machines.map((m) => m.nodeName);
    const deadline = Date.now() + this.options.readyTimeoutMs;
    let said = '';
    for (;;) {
      const answer = await getNodes(kubectl, kubeconfig, this.ctx);
      const ready = new Set('nodes' in answer ? answer.nodes.filter((n) => n.ready).map((n) => n.name) : []);
      const waiting = expected.filter((name) => !ready.has(name));
      const news =
        'error' in answer
          ? `The cluster does not answer yet: ${answer.error}`
          : `${expected.length - waiting.length}/${expected.length} nodes Ready${waiting.length ? ` (waiting for ${waiting.join(', ')})` : ''}.`;
      if (news !== said) job.log.app((said = news));
      if (waiting.length === 0) return;
      if (job.cancelRequested) throw new Cancelled();
      if (Date.now() >= deadline) {
        const seen = new Map('nodes' in answer ? answer.nodes.map((n) => [n.name, n.ready]) : []);
        const detail = waiting.map((name) => (seen.has(name) ? `${name} is NotReady` : `${name} has not joined`)).join(', ');
        throw new StepFailure(
          {
            machine: null,
            step: stepLabels['nodes-ready']!,
            message: `Not every node became Ready within ${Math.round(this.options.readyTimeoutMs / 1000)} s: ${'error' in answer ? answer.error : detail}.`,
            hint: `The VMs are up, so the cause is inside them: read the provisioning lines above, or run \`vagrant ssh ${machines.find((m) => m.nodeName === waiting[0])?.machine ?? 'server'} -c "sudo journalctl -u k3s*"\` in the lab folder. Run Up again when fixed.`,
            lastLines: [],
          },
          null,
        );
      }
      await delay(this.options.readyPollMs);
    }
  }

  private async statusFrom(dir: string, config: LabConfig, states: MachineState[]): Promise<LabStatus> {
    const kubeconfig = path.join(dir, LAB_KUBECONFIG);
    const hasKubeconfig = await stat(kubeconfig).then(
      () => true,
      () => false,
    );
    const serverRunning = states.find((s) => s.name === 'server')?.state === 'running';
    let readiness: Map<string, boolean> | null = null;
    if (hasKubeconfig && serverRunning) {
      const kubectl = await findExecutable('kubectl', this.ctx);
      const answer = kubectl ? await getNodes(kubectl, kubeconfig, this.ctx) : null;
      if (answer && 'nodes' in answer) readiness = new Map(answer.nodes.map((n) => [n.name, n.ready]));
    }
    const nodes: NodeStatus[] = labMachines(config).map((m) => {
      const state = states.find((s) => s.name === m.machine);
      return {
        name: m.nodeName,
        machine: m.machine,
        role: m.role,
        ip: m.ip,
        vagrantState: state?.state ?? 'unknown',
        vagrantStateText: state?.short ?? 'unknown',
        provider: state?.provider ?? null,
        ready: readiness ? (readiness.get(m.nodeName) ?? false) : null,
      };
    });
    return { dir, nodes, clusterReachable: readiness !== null, checkedAt: Date.now(), kubeconfigPath: hasKubeconfig ? kubeconfig : null };
  }

  private unknownStatus(dir: string, config: LabConfig, error: string): LabStatus {
    const nodes: NodeStatus[] = labMachines(config).map((m) => ({
      name: m.nodeName,
      machine: m.machine,
      role: m.role,
      ip: m.ip,
      vagrantState: 'unknown',
      vagrantStateText: 'unknown',
      provider: null,
      ready: null,
    }));
    return { dir, nodes, clusterReachable: false, checkedAt: Date.now(), kubeconfigPath: null, error };
  }
}
