/**
 * A job another program runs on a lab (the `cluster-lab` CLI, a second browser-mode host), seen
 * through the lab's own files: the lock says it runs and who runs it, its log file in logs/ (named
 * by our scheme from the job's id, never a path from the lock) says what it does. Its steps follow
 * the log's "Step:" lines, its end the lock's release and the log's last line of ours. A lab is
 * looked at only while a view shows it (LabWatch): a watch on the folder and a slow poll of its
 * lock, both stopped when the last view leaves.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { JobInfo } from '../../../shared/jobs';
import { labMachines } from '../../../shared/lab/machines';
import type { LabConfig } from '../../../shared/lab/schema';
import { snapshot } from './job';
import { runningHolder, type RunningHolder } from './lock';
import { LineBatches, type LogOptions } from './log';
import { endOf, LOGS_FOLDER, LogFollower } from './logFiles';
import { LOCK_FILE } from './lock';
import { logFileName, parseJobId, type JobName } from './logNames';
import { jobStepList, steps, type StepId } from './steps';

export interface ForeignTimings {
  /** How often the lock is read again (and the log, where a watch says nothing). */
  followPollMs: number;
}

/** The job the live holder of the lock runs, when it is a job of ours another process runs; null otherwise. */
export function foreignJobOf(holder: RunningHolder | null): JobName | null {
  if (!holder || holder.here) return null;
  const job = parseJobId(holder.jobId);
  return job && job.kind === holder.kind ? job : null;
}

/**
 * A lab some view shows, looked at for a job another program starts on it: its folder is watched
 * for the lock, with a slow poll where a watch says nothing (a network folder, a missed event).
 * `look` is never run twice at once.
 */
export class LabWatch {
  views = 0;
  private readonly timer: NodeJS.Timeout;
  private watcher: FSWatcher | null = null;
  private looking: Promise<void> | null = null;

  constructor(
    dir: string,
    pollMs: number,
    private readonly look: () => Promise<void>,
  ) {
    try {
      this.watcher = watch(dir, { persistent: false }, (_, name) => {
        if (name === LOCK_FILE) void this.check();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // The poll alone, then.
    }
    this.timer = setInterval(() => void this.check(), pollMs);
    this.timer.unref?.();
  }

  check(): Promise<void> {
    this.looking ??= this.look()
      .catch(() => {})
      .finally(() => (this.looking = null));
    return this.looking;
  }

  stop(): void {
    clearInterval(this.timer);
    this.watcher?.close();
  }
}

export class ForeignJob {
  readonly info: JobInfo;
  readonly batches: LineBatches;
  private readonly follower: LogFollower;
  private readonly timer: NodeJS.Timeout;
  private watcher: FSWatcher | null = null;
  private end: ReturnType<typeof endOf> = null;
  private absent = 0;
  private stopped = false;
  private polling = false;

  constructor(
    dir: string,
    job: JobName,
    holder: RunningHolder,
    config: LabConfig | null,
    options: LogOptions & ForeignTimings,
    private readonly events: { update(info: JobInfo): void; ended(info: JobInfo): void; log: ConstructorParameters<typeof LineBatches>[2] },
  ) {
    const logFile = path.join(dir, LOGS_FOLDER, logFileName(job.id, job.startedAt));
    this.info = {
      id: job.id,
      dir,
      kind: job.kind,
      status: 'running',
      startedAt: job.startedAt,
      endedAt: null,
      exitCode: null,
      // Which machine a step is at is the other program's to know: the steps alone, from the log.
      steps: config ? jobStepList(job.kind, config, !config.vm.parallel).map(({ machines: _, ...step }) => step) : [],
      currentStep: null,
      logFile,
      lineCount: 0,
      owner: { program: holder.owner, pid: holder.pid, hostname: holder.hostname, description: holder.description },
    };
    const machines = new Set(config ? labMachines(config).map((m) => m.machine) : []);
    this.batches = new LineBatches(machines, options, (lines, omitted, total) => {
      this.info.lineCount = total;
      events.log(lines, omitted, total);
    });
    this.follower = new LogFollower(logFile, (stream, text) => {
      this.batches.add(stream, text);
      if (stream === 'app') this.appLine(text);
    });
    try {
      this.watcher = watch(path.dirname(logFile), { persistent: false }, (_, name) => {
        if (name === path.basename(logFile)) void this.follower.read().catch(() => {});
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No logs/ yet, or no watching here: the poll reads it.
    }
    this.timer = setInterval(() => void this.poll(), options.followPollMs);
    this.timer.unref?.();
  }

  /** Read what the log has so far (attach gives it as the tail). */
  async catchUp(): Promise<void> {
    await this.follower.read().catch(() => {});
    this.batches.flush();
  }

  private appLine(text: string): void {
    const end = endOf(this.info.kind, text);
    if (end) {
      this.end = end;
      return;
    }
    if (!text.startsWith('Step: ')) return;
    const label = text.slice('Step: '.length);
    const index = this.info.steps.findIndex((step) => step.label === label || label.startsWith(steps[step.id as StepId]?.label ?? '\0'));
    if (index < 0) return;
    const now = Date.now();
    this.info.steps.forEach((step, i) => {
      // Steps run in order: every one before this has ended (the log said when each started, not each end).
      if (i < index && (step.status === 'running' || step.status === 'pending')) Object.assign(step, { status: 'succeeded', endedAt: now });
    });
    Object.assign(this.info.steps[index]!, { status: 'running', startedAt: now, label });
    this.info.currentStep = this.info.steps[index]!.id;
    this.events.update(snapshot(this.info));
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      await this.follower.read().catch(() => {});
      const holder = await runningHolder(this.info.dir);
      // The lock is rewritten (renamed over) as the job starts and stops processes: one read that
      // finds no holder may have met that moment; two in a row do not.
      this.absent = holder?.jobId === this.info.id ? 0 : this.absent + 1;
      if (this.absent >= 2) await this.finish();
    } finally {
      this.polling = false;
    }
  }

  private async finish(): Promise<void> {
    if (this.stopped) return;
    this.stopHere();
    await this.follower.finish().catch(() => {});
    this.batches.stop();
    const { info } = this;
    const end = this.end;
    const now = Date.now();
    info.status = end?.result ?? 'failed';
    info.exitCode = end?.result === 'succeeded' ? 0 : null;
    info.endedAt = now;
    info.lineCount = this.batches.seq;
    info.currentStep = end?.result === 'succeeded' ? null : info.currentStep;
    const step = info.steps.find((s) => s.status === 'running');
    if (step) Object.assign(step, { status: info.status === 'succeeded' ? 'succeeded' : info.status, endedAt: now });
    for (const rest of info.steps) if (rest.status === 'pending') rest.status = 'skipped';
    if (info.status === 'failed')
      info.failure = end
        ? { machine: null, step: step?.label ?? null, message: end.message ?? 'It failed.', lastLines: [] }
        : {
            machine: null,
            step: step?.label ?? null,
            message: `${info.owner!.description} let go of the lab without saying how the ${info.kind} job ended: its process may have been killed.`,
            hint: 'Refresh status shows where the machines are; its log file has what it did.',
            lastLines: [],
          };
    this.events.ended(snapshot(info));
  }

  private stopHere(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.close();
    this.watcher = null;
  }

  /** No view follows it any more (or the process ends): stop reading, without judging the job. */
  async stop(): Promise<void> {
    this.stopHere();
    this.batches.stop();
    await this.follower.close();
  }

  get running(): boolean {
    return this.info.status === 'running' && !this.stopped;
  }
}
