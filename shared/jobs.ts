/** Jobs: long work on a lab (vagrant, kubectl), with state, a log and a way to cancel. */
import type { TransferProgress } from './bytes';
import type { LabCheck } from './labCheck';

export const jobKinds = ['up', 'down', 'destroy', 'provision', 'status', 'route-controller'] as const;
export type JobKind = (typeof jobKinds)[number];
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface JobStep {
  id: string;
  label: string;
  status: StepStatus;
  startedAt?: number;
  endedAt?: number;
  /** A step that works on several machines (side by side, or one after another): where each one is. */
  machines?: { machine: string; status: StepStatus }[];
  /** A step that downloads (Up's k3s release): the file it is fetching now, and how far it is. */
  transfer?: TransferProgress;
}

export interface JobInfo {
  id: string;
  dir: string;
  kind: JobKind;
  status: JobStatus;
  startedAt: number;
  endedAt: number | null;
  exitCode: number | null;
  steps: JobStep[];
  /** The step running now, or the one that failed. */
  currentStep: string | null;
  logFile: string;
  /** Lines written so far (the view shows this count even when it keeps fewer). */
  lineCount: number;
  /** Up's last step: the lab checked from inside each VM, kept so a view that reattaches sees it too. */
  check?: LabCheck;
  /**
   * Set when another program runs the job (the CLI, another browser-mode host; from the lab's lock):
   * this process follows its log file and cannot cancel it.
   */
  owner?: JobOwner;
  /** When failed: which machine and what went wrong, for a person; the last error lines. */
  failure?: { machine: string | null; step: string | null; message: string; hint?: string; lastLines: string[] };
}

export interface JobOwner {
  program: 'app' | 'browser' | 'cli' | null;
  pid: number;
  hostname: string;
  /** For a person: "the cluster-lab CLI (process 1234)". */
  description: string;
}

/** A job of the lab's past, from its log file in DIR/logs/. */
export interface PastJob {
  id: string;
  kind: JobKind;
  startedAt: number;
  /** The log file's last change; null while the job runs. */
  endedAt: number | null;
  /** From the log's last line; null when it does not say (the process died, or it still runs). */
  result: Exclude<JobStatus, 'running'> | null;
  running: boolean;
  /** The log file's size in bytes. */
  bytes: number;
  logFile: string;
}

/** The most past jobs a list shows. */
export const PAST_JOBS_MAX = 50;

export interface LogLine {
  /** 0-based, contiguous per job; a batch's `omitted` says how many before it were not sent. */
  seq: number;
  stream: 'stdout' | 'stderr' | 'app';
  /** The machine the line speaks for (`==> server:` or the machine-readable target), if any. */
  node: string | null;
  text: string;
}

export interface LogBatch {
  jobId: string;
  lines: LogLine[];
  /**
   * Lines counted but not sent just before this batch: more arrived between two batches than the
   * view's scrollback keeps. The log file has every one of them.
   */
  omitted: number;
  /** Lines of the job so far, this batch included: the count the view shows. */
  total: number;
}

/** What a view keeps: the lines of its bounded scrollback (and the tail a late view is given). */
export const VIEW_SCROLLBACK_LINES = 5000;
/** The most bytes of a past job's log a view is given (its end: the lines before are counted as not shown). */
export const PAST_LOG_MAX_BYTES = 2 * 2 ** 20;
/**
 * The most lines one batch carries. In a flood nobody reads the lines as they fly by: a view
 * shows the newest and, once it is quiet, fills its scrollback from the tail; small batches keep
 * every message cheap to parse.
 */
export const LOG_BATCH_MAX_LINES = 1000;
/**
 * What a batch carries in a flood (more lines in one interval than a batch holds): a view then
 * writes only the newest piece of what it gets, so sending more would only cost both sides.
 */
export const LOG_FLOOD_BATCH_LINES = 200;

/** All of Vagrant's machine states that we name; anything else is shown as Vagrant says it. */
export type VagrantState =
  | 'not_created'
  | 'running'
  | 'poweroff'
  | 'aborted'
  | 'saved'
  | 'paused'
  | 'gurumeditation'
  | 'inaccessible'
  | 'stopping'
  | 'unknown'
  | (string & {});

export interface NodeStatus {
  /** The node's host name (the Kubernetes node name). */
  name: string;
  /** The Vagrant machine name: `server` or the agent's name. */
  machine: string;
  role: 'server' | 'agent';
  ip: string;
  vagrantState: VagrantState;
  vagrantStateText: string;
  provider: string | null;
  /** null when the cluster did not answer. */
  ready: boolean | null;
}

export interface LabStatus {
  dir: string;
  nodes: NodeStatus[];
  clusterReachable: boolean;
  checkedAt: number;
  kubeconfigPath: string | null;
  error?: string;
}
