/**
 * The Run step's model of one lab folder: its settings, its node table, the job running on it (or
 * the last one) and that job's log, kept in step with main's events. Plain TypeScript over a
 * LabApi, so it is tested with a fake one; `useLabJob` is its React face.
 */
import type { LabApi } from '../shared/contract';
import type { ErrorInfo } from '../shared/errors';
import type { JobInfo, JobKind, LabStatus, LogLine, PastJob } from '../shared/jobs';
import type { LabConfig } from '../shared/lab/schema';
import type { LabCheck } from '../shared/labCheck';

/** Where the job's lines go: the log view. */
export interface LogSink {
  reset(): void;
  append(lines: LogLine[], total: number): void;
}

export interface LabJobState {
  dir: string | null;
  config: LabConfig | null;
  openError: ErrorInfo | null;
  job: JobInfo | null;
  /** Every job seen on this folder since it was opened, oldest first (`job` is the last): what a check is judged against. */
  jobs: JobInfo[];
  /** The jobs its logs/ held when it was opened (whoever ran them): a check recorded before one of them is stale too. */
  pastJobs: PastJob[];
  status: LabStatus | null;
  actionError: ErrorInfo | null;
  refreshing: boolean;
  cancelling: boolean;
  /** The last lab check of this folder (after Up, or on demand), and whether one runs now. */
  check: LabCheck | null;
  checking: boolean;
}

const empty = (dir: string | null): LabJobState => ({
  dir,
  config: null,
  openError: null,
  job: null,
  jobs: [],
  pastJobs: [],
  status: null,
  actionError: null,
  refreshing: false,
  cancelling: false,
  check: null,
  checking: false,
});

export const sameDir = (a: string | null | undefined, b: string | null | undefined) =>
  !!a && !!b && a.replace(/[\\/]+$/, '') === b.replace(/[\\/]+$/, '');

export class LabJob {
  private state: LabJobState = empty(null);
  private readonly listeners = new Set<() => void>();
  private readonly offs: (() => void)[];
  /** The folder main counts this view as attached to (it looks there for another program's job while one is). */
  private counted: string | null = null;

  constructor(
    private readonly api: LabApi,
    private readonly log: () => LogSink | null,
  ) {
    this.offs = [
      api.on('job.update', (info) => {
        if (info.id === this.state.job?.id || sameDir(info.dir, this.state.dir)) this.follow(info);
      }),
      api.on('job.log', (batch) => {
        if (batch.jobId === this.state.job?.id) this.log()?.append(batch.lines, batch.total);
      }),
      api.on('lab.status', (next) => {
        if (sameDir(next.dir, this.state.dir)) this.set({ status: next });
      }),
      api.on('lab.check', ({ dir, check }) => {
        if (sameDir(dir, this.state.dir)) this.set({ check });
      }),
    ];
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): LabJobState => this.state;

  private set(patch: Partial<LabJobState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  /** A job this view has not shown yet starts a fresh log. */
  private follow(info: JobInfo): void {
    if (this.state.job?.id !== info.id) this.log()?.reset();
    const jobs = [...this.state.jobs.filter((seen) => seen.id !== info.id), info];
    this.set({ job: info, jobs, ...(info.status !== 'running' ? { cancelling: false } : {}), ...(info.check ? { check: info.check } : {}) });
  }

  /** Show the lab in `dir`: its settings, its node table, and the job running on it with its log so far. */
  async open(dir: string | null): Promise<void> {
    this.detach();
    this.state = empty(dir);
    this.log()?.reset();
    this.set({});
    if (!dir) return;
    await Promise.all([
      this.api.invoke('lab.open', { dir }).then((result) => {
        if (!sameDir(dir, this.state.dir)) return;
        this.set({ config: result.ok ? result.value : null, openError: result.ok ? null : result.error });
        if (result.ok) return this.refresh();
      }),
      // The check recorded in the folder (the CLI's Up or check too), unless a newer one came meanwhile.
      this.api.invoke('lab.lastCheck', { dir }).then((result) => {
        if (!sameDir(dir, this.state.dir) || !result.ok || !result.value.check) return;
        const recorded = result.value.check;
        if (!this.state.check || this.state.check.checkedAt < recorded.checkedAt) this.set({ check: recorded });
      }),
      this.api.invoke('job.history', { dir }).then((result) => {
        if (sameDir(dir, this.state.dir) && result.ok) this.set({ pastJobs: result.value.jobs });
      }),
      this.api.invoke('job.attach', { dir }).then((result) => {
        // Main looks at the lab for another program's job while some view is attached to it: counted once,
        // for the folder shown (a late answer for one left, or a second for the same, is let go at once).
        if (result.ok) {
          if (sameDir(dir, this.state.dir) && !this.counted) this.counted = dir;
          else void this.api.invoke('job.detach', { dir });
        }
        if (!sameDir(dir, this.state.dir) || !result.ok || !result.value.job) return;
        const { job, tail } = result.value;
        this.follow(job);
        this.log()?.append(tail, Math.max(job.lineCount, (tail.at(-1)?.seq ?? -1) + 1));
      }),
    ]);
  }

  /** The folder's lab read again (after a write), the job, log and node table staying as they are. */
  async reloadConfig(): Promise<void> {
    const dir = this.state.dir;
    if (!dir) return;
    const result = await this.api.invoke('lab.open', { dir });
    if (!sameDir(dir, this.state.dir)) return;
    this.set({ config: result.ok ? result.value : null, openError: result.ok ? null : result.error });
  }

  async refresh(): Promise<void> {
    const dir = this.state.dir;
    if (!dir) return;
    this.set({ refreshing: true });
    const result = await this.api.invoke('lab.status', { dir });
    if (!sameDir(dir, this.state.dir)) return;
    this.set(result.ok ? { refreshing: false, status: result.value } : { refreshing: false, actionError: result.error });
  }

  /** Ask every running node whether the lab's promise holds (the Check lab button). */
  async runCheck(): Promise<void> {
    const dir = this.state.dir;
    if (!dir) return;
    this.set({ checking: true, actionError: null });
    const result = await this.api.invoke('lab.check', { dir });
    if (!sameDir(dir, this.state.dir)) return;
    this.set(result.ok ? { checking: false, check: result.value } : { checking: false, actionError: result.error });
  }

  async start(kind: JobKind): Promise<void> {
    const dir = this.state.dir;
    if (!dir) return;
    this.set({ actionError: null });
    const result = await this.api.invoke('job.start', { dir, kind });
    if (result.ok) this.follow(result.value);
    else this.set({ actionError: result.error });
  }

  async cancel(): Promise<void> {
    const job = this.state.job;
    if (!job) return;
    this.set({ cancelling: true });
    const result = await this.api.invoke('job.cancel', { jobId: job.id });
    if (!result.ok) this.set({ actionError: result.error, cancelling: false });
  }

  /** The running job's log tail again, for a view that fell behind; null when the job is no longer the lab's. */
  readonly refill = async (): Promise<LogLine[] | null> => {
    const { dir, job } = this.state;
    if (!dir || !job) return null;
    const result = await this.api.invoke('job.attach', { dir });
    // Main counts the views attached to a lab: this was no new one.
    if (result.ok) void this.api.invoke('job.detach', { dir });
    return result.ok && result.value.job?.id === job.id ? result.value.tail : null;
  };

  /** This view leaves the lab: main follows another program's job on it only while some view shows it. */
  private detach(): void {
    if (this.counted) void this.api.invoke('job.detach', { dir: this.counted });
    this.counted = null;
  }

  dispose(): void {
    this.detach();
    for (const off of this.offs) off();
    this.listeners.clear();
  }
}
