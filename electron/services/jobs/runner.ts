/**
 * Jobs on a lab folder (Up, Down, Destroy, Provision, Status), one at a time per lab, also across
 * processes through the folder's lock. A job runs its kind's steps from the table in steps.ts, in
 * order; its log file gets every byte as it arrives and the views get the lines in batches.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { LOG_BATCH_MAX_LINES, VIEW_SCROLLBACK_LINES, type JobInfo, type JobKind, type LabStatus, type LogLine } from '../../../shared/jobs';
import { labMachines } from '../../../shared/lab/machines';
import type { LabConfig } from '../../../shared/lab/schema';
import { machineStates, parseMachineReadable } from '../../../shared/vagrantOutput';
import type { ServiceContext } from '../context';
import { makeFolders } from '../files';
import { refuseVmsOfAnotherFolder } from '../copiedVms';
import { assertLabAsRendered } from '../labAsRendered';
import { openLab } from '../labFolder';
import { assertBridgeUsable } from '../network';
import { requireTools } from '../tools';
import { vagrantStatus } from '../vagrant';
import { stopTree, type StopTimings } from './child';
import { Cancelled, snapshot, StepFailure, type Job } from './job';
import { ForeignJob, foreignJobOf, LabWatch, type ForeignTimings } from './foreign';
import { labFolderLock, runningHolder, stopOrphans, type LockChild, type RunningHolder } from './lock';
import { listPastJobs, readPastLog } from './logFiles';
import { JobLog, type LogOptions } from './log';
import { jobId, logFileName, type JobName } from './logNames';
import type { ReadyTimings } from './nodesReady';
import { jobStepList, jobTools, steps, type StepId } from './steps';
import { labStatusFrom, unknownLabStatus } from './status';

export type RunnerOptions = Partial<LogOptions & ReadyTimings & StopTimings & ForeignTimings>;

/** Every line of every job, unbatched and never omitted, as it is split (the CLI prints them all). */
export type LineListener = (jobId: string, line: LogLine) => void;

const defaults: Required<RunnerOptions> = {
  batchMs: 100,
  maxBatchLines: LOG_BATCH_MAX_LINES,
  tailLines: VIEW_SCROLLBACK_LINES,
  readyTimeoutMs: 5 * 60_000,
  readyPollMs: 3_000,
  sigintWaitMs: 30_000,
  sigtermWaitMs: 10_000,
  followPollMs: 1_000,
};

export class LabRunner {
  private readonly options: Required<RunnerOptions>;
  /** The latest job of each lab folder (running or finished), for attach. */
  private readonly latest = new Map<string, Job>();
  private readonly byId = new Map<string, Job>();
  /** Jobs other programs run (or ran) on a lab, followed from their log files while a view is attached. */
  private readonly foreign = new Map<string, ForeignJob>();
  /** The labs views show now, each looked at for a job another program starts on it. */
  private readonly watches = new Map<string, LabWatch>();
  private readonly lineListeners = new Set<LineListener>();

  constructor(
    private readonly ctx: ServiceContext,
    options: RunnerOptions = {},
  ) {
    this.options = { ...defaults, ...options };
  }

  /** Listen to every line of the jobs started from now on; returns the way to stop listening. */
  onLine(listener: LineListener): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** Start a job; refused (never a second vagrant) while one runs on the lab, here or in another process. */
  async start(dirInput: string, kind: JobKind, options: { sequential?: boolean } = {}): Promise<JobInfo> {
    const dir = path.resolve(dirInput);
    const config = await openLab(dir);
    if (kind !== 'route-controller') {
      await assertLabAsRendered(dir, config);
      await refuseVmsOfAnotherFolder(dir);
    }
    const running = this.latest.get(dir);
    if (running?.info.status === 'running')
      throw new AppError(
        'busy',
        `The ${running.info.kind} job is already running on this lab (since ${new Date(running.info.startedAt).toLocaleTimeString()}).`,
        {
          hint: 'Cluster Lab runs one job per lab at a time: wait for it to finish, or cancel it first.',
        },
      );
    const tools = await requireTools(this.ctx, jobTools(kind));
    // Up attaches the bridged adapters (a new VM, or one booted again), and Provision downloads k3s
    // over them: both need the bridge. Down and Destroy work on what is there.
    if (kind === 'up' || kind === 'provision') await assertBridgeUsable(this.ctx, tools.VBoxManage, config.network.bridge);
    const startedAt = Date.now();
    const id = jobId(kind, startedAt, randomBytes(3).toString('hex'));
    const lock = labFolderLock(dir);
    await lock.acquire({ jobId: id, kind, startedAt });
    try {
      const logsDir = path.join(dir, 'logs');
      await makeFolders(logsDir);
      const sequential = options.sequential ?? !config.vm.parallel;
      const info: JobInfo = {
        id,
        dir,
        kind,
        status: 'running',
        startedAt,
        endedAt: null,
        exitCode: null,
        steps: jobStepList(kind, config, sequential),
        currentStep: null,
        logFile: path.join(logsDir, logFileName(id, startedAt)),
        lineCount: 0,
      };
      const machines = new Set(labMachines(config).map((m) => m.machine));
      const log = new JobLog(
        info.logFile,
        machines,
        this.options,
        (lines, omitted, total) => {
          info.lineCount = total;
          this.ctx.events.emit('job.log', { jobId: id, lines, omitted, total });
        },
        // Only with a listener are lines tagged one by one: in a flood most are counted and filed, never shown.
        this.lineListeners.size ? (line) => this.lineListeners.forEach((listener) => listener(id, line)) : undefined,
      );
      const job: Job = {
        info,
        config,
        tools,
        log,
        children: new Set(),
        lock,
        cancelRequested: false,
        abort: new AbortController(),
        sequential,
        finished: Promise.resolve(info),
        statusOutput: '',
      };
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
    const foreign = [...this.foreign.values()].find((followed) => followed.info.id === jobId);
    if (!job && foreign?.running)
      // Its pid comes from the lab folder's lock, a record anyone could have written: it is not signalled on that word.
      throw new AppError('busy', `The ${foreign.info.kind} job runs in ${foreign.info.owner!.description}: it cannot be cancelled from here.`, {
        hint: 'Cancel it where it runs: Ctrl-C in its terminal cancels it cleanly (Vagrant gets Ctrl-C first), as closing that terminal does.',
      });
    if (!job) throw new AppError('not_found', `There is no job ${jobId}.`, { hint: 'It may have ended already; refresh the status.' });
    if (job.info.status !== 'running') return snapshot(job.info);
    if (!job.cancelRequested) {
      job.cancelRequested = true;
      job.abort.abort();
      job.log.app('Cancel requested: stopping the running command (Ctrl-C first, so Vagrant can clean up and release its machine locks).');
      // Every running vagrant gets its Ctrl-C at once, then each goes through the staged stop.
      await Promise.all([...job.children].map((child) => stopTree(job, child, this.options)));
    }
    return snapshot(await job.finished);
  }

  /**
   * Stop what a job whose process died left running on the lab (its Vagrant), as Cancel would have:
   * Ctrl-C first. Returns what was stopped; refused while the lab's lock has a live holder.
   */
  stopOrphans(dirInput: string): Promise<LockChild[]> {
    return stopOrphans(path.resolve(dirInput), this.options);
  }

  /**
   * The lab's running (or last) job and the tail of its log, for a view that arrives late; also a
   * job another program runs on the lab (from the lock), followed from its log file until the view
   * detaches or the job ends. `view: false` only looks: it starts no following.
   */
  async attach(dirInput: string, { view = true }: { view?: boolean } = {}): Promise<{ job: JobInfo | null; tail: LogLine[] }> {
    const dir = path.resolve(dirInput);
    if (view) {
      let watch = this.watches.get(dir);
      if (!watch) this.watches.set(dir, (watch = new LabWatch(dir, this.options.followPollMs, () => this.lookForForeign(dir))));
      watch.views++;
      await watch.check();
    }
    const own = this.latest.get(dir);
    if (own?.info.status === 'running') return this.ownTail(own);
    const followed = this.foreign.get(dir);
    if (followed && (!own || followed.info.startedAt > own.info.startedAt)) {
      await followed.catchUp();
      return { job: snapshot(followed.info), tail: followed.batches.lastLines(this.options.tailLines) };
    }
    return own ? this.ownTail(own) : { job: null, tail: [] };
  }

  /** A view left the lab: once none shows it, it is looked at no more, and another program's job on it is followed no more. */
  async detach(dirInput: string): Promise<void> {
    const dir = path.resolve(dirInput);
    const watch = this.watches.get(dir);
    if (!watch || --watch.views > 0) return;
    watch.stop();
    this.watches.delete(dir);
    const followed = this.foreign.get(dir);
    if (followed?.running) {
      this.foreign.delete(dir);
      await followed.stop();
    }
  }

  /** Start following the job another program runs on the lab, if it does and it is not followed yet. */
  private async lookForForeign(dir: string): Promise<void> {
    if (this.foreign.get(dir)?.running || this.latest.get(dir)?.info.status === 'running') return;
    const holder = await runningHolder(dir);
    const job = foreignJobOf(holder);
    if (!job || !holder || this.foreign.get(dir)?.info.id === job.id) return;
    const config = await openLab(dir).catch(() => null);
    const followed = this.followForeign(dir, job, holder, config);
    this.foreign.set(dir, followed);
    // Views learn of the job before its first lines: a batch of a job a view does not show is dropped.
    this.ctx.events.emit('job.update', snapshot(followed.info));
    await followed.catchUp();
  }

  /** The lab's past jobs from its logs/ folder, newest first. */
  async history(dirInput: string) {
    const dir = path.resolve(dirInput);
    return { jobs: await listPastJobs(dir, (await this.runningJobId(dir)) ?? null) };
  }

  /** One past job's log (its end, when long). */
  async pastLog(dirInput: string, jobId: string) {
    const dir = path.resolve(dirInput);
    const config = await openLab(dir).catch(() => null);
    const machines = new Set(config ? labMachines(config).map((m) => m.machine) : []);
    return readPastLog(dir, jobId, machines, (await this.runningJobId(dir)) ?? null);
  }

  private async runningJobId(dir: string): Promise<string | undefined> {
    const own = this.latest.get(dir);
    if (own?.info.status === 'running') return own.info.id;
    return (await runningHolder(dir))?.jobId;
  }

  private ownTail(job: Job): { job: JobInfo; tail: LogLine[] } {
    job.log.flush();
    return { job: snapshot(job.info), tail: job.log.lastLines(this.options.tailLines) };
  }

  private followForeign(dir: string, job: JobName, holder: RunningHolder, config: LabConfig | null): ForeignJob {
    return new ForeignJob(dir, job, holder, config, this.options, {
      update: (info) => this.ctx.events.emit('job.update', info),
      log: (lines, omitted, total) => this.ctx.events.emit('job.log', { jobId: job.id, lines, omitted, total }),
      ended: (info) => {
        this.ctx.events.emit('job.update', info);
        // As after a job of ours: the node table is read again, so it never shows what was true before the job.
        void this.status(dir).then((status) => this.ctx.events.emit('lab.status', status));
      },
    });
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
      await assertLabAsRendered(dir, config);
      const tools = await requireTools(this.ctx, ['vagrant']);
      return await labStatusFrom(this.ctx, dir, config, await vagrantStatus(tools.vagrant, dir, this.ctx));
    } catch (error) {
      return unknownLabStatus(dir, config, error instanceof Error ? error.message : String(error));
    }
  }

  /** Cancel every running job and wait for each to end: nothing is left half-killed. */
  async dispose(): Promise<void> {
    const followed = [...this.foreign.values()];
    this.foreign.clear();
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
    await Promise.all([...this.runningJobs().map((job) => this.cancel(job.id).catch(() => {})), ...followed.map((job) => job.stop())]);
  }

  private update(job: Job): void {
    this.ctx.events.emit('job.update', snapshot(job.info));
  }

  private async run(job: Job, releaseLock: () => Promise<void>): Promise<JobInfo> {
    const { info, log } = job;
    log.app(`${info.kind} started for lab "${job.config.name}" in ${info.dir}`);
    // The node table follows the job: after a step on the machines it is read again, beside the
    // next step, and the job's own last refresh waits for it so it is never the one shown last.
    let midJobStatus: Promise<void> = Promise.resolve();
    try {
      for (const step of info.steps) {
        if (step.status === 'skipped') continue;
        if (job.cancelRequested) throw new Cancelled();
        step.status = 'running';
        step.startedAt = Date.now();
        info.currentStep = step.id;
        log.app(`Step: ${step.label}`);
        this.update(job);
        const id = step.id as StepId;
        await steps[id].run({
          ctx: this.ctx,
          job,
          label: step.label,
          timings: this.options,
          progress: (machine, status) => {
            const entry = step.machines?.find((m) => m.machine === machine);
            if (!entry) return;
            entry.status = status;
            this.update(job);
          },
          transfer: (progress) => {
            if (progress) step.transfer = { ...progress };
            else delete step.transfer;
            this.update(job);
          },
        });
        step.status = 'succeeded';
        step.endedAt = Date.now();
        this.update(job);
        // (Not after the last step: the job's own refresh comes right after it.)
        if (step.machines && info.steps.some((next) => next.status === 'pending'))
          midJobStatus = midJobStatus.then(() =>
            this.status(info.dir).then(
              (status) => this.ctx.events.emit('lab.status', status),
              () => {},
            ),
          );
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
    await midJobStatus;
    info.endedAt = Date.now();
    info.lineCount = log.seq;
    this.update(job);
    // After every job the node table is refreshed, so it never shows what was true before the job.
    const status =
      info.kind === 'status' && info.status === 'succeeded'
        ? await labStatusFrom(this.ctx, info.dir, job.config, machineStates(parseMachineReadable(job.statusOutput)))
        : await this.status(info.dir).catch((error: unknown) => unknownLabStatus(info.dir, job.config, String(error)));
    this.ctx.events.emit('lab.status', status);
    return snapshot(info);
  }
}
