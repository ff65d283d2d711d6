/** A job as the runner holds it, and the two ways a step ends early. */
import type { ToolName } from '../../../shared/host';
import type { JobInfo } from '../../../shared/jobs';
import type { LabConfig } from '../../../shared/lab/schema';
import type { StreamingProcess } from '../process';
import type { LabLock } from './lock';
import type { JobLog } from './log';

export interface Job {
  info: JobInfo;
  config: LabConfig;
  tools: Record<ToolName, string>;
  log: JobLog;
  /** The processes the job runs now: one, or one per machine while they run side by side. */
  children: Set<StreamingProcess>;
  /** The lab's lock, held for the whole job: it records the processes the job starts, for the next start to find if this one dies. */
  lock: LabLock;
  cancelRequested: boolean;
  /** Aborted on cancel: what a step does in-process (a download) stops on it, as a child stops on Ctrl-C. */
  abort: AbortController;
  /** One machine at a time rather than side by side (a lab setting, or `--sequential`). */
  sequential: boolean;
  finished: Promise<JobInfo>;
  /** What `vagrant status --machine-readable` printed, for the Status job. */
  statusOutput: string;
}

/** A step that failed, with what to tell a person. */
export class StepFailure extends Error {
  constructor(
    readonly failure: NonNullable<JobInfo['failure']>,
    readonly exitCode: number | null,
  ) {
    super(failure.message);
  }
}

/** The job was cancelled while the step ran. */
export class Cancelled extends Error {}

/** A copy of the job's state for a caller, never the live object. */
export const snapshot = (info: JobInfo): JobInfo => ({
  ...info,
  steps: info.steps.map((s) => ({ ...s, ...(s.machines ? { machines: s.machines.map((m) => ({ ...m })) } : {}) })),
  failure: info.failure && { ...info.failure },
});
