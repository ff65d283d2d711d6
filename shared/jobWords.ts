/** How the page names jobs and their outcomes: the Run step, the window title and the announcements. */
import type { JobInfo, JobKind } from './jobs';

export const kindLabel: Record<JobKind, string> = {
  up: 'Up',
  down: 'Down',
  destroy: 'Destroy',
  provision: 'Provision',
  status: 'Status',
  'route-controller': 'Route controller',
};

/** "Up: running", or "Up: 50%" while it downloads a file of known size: the window title (the taskbar and a background tab show it). */
export function jobTitle(job: JobInfo): string {
  const share = job.status === 'running' ? taskbarProgress([job]) : 2;
  return `${kindLabel[job.kind]}: ${share >= 0 && share <= 1 ? `${Math.floor(share * 100)}%` : job.status}`;
}

/** What a screen reader hears when a job ends. */
export function jobResult(job: JobInfo): string {
  const kind = kindLabel[job.kind];
  if (job.status === 'succeeded') return `${kind} succeeded.`;
  if (job.status === 'cancelled') return `${kind} was cancelled.`;
  const where = job.failure?.machine ? ` on ${job.failure.machine}` : '';
  return `${kind} failed${where}${job.failure ? `: ${job.failure.message}` : '.'}`;
}

/** The last part of a folder path, either separator: the lab as a person named its folder. */
const folderName = (dir: string): string =>
  dir
    .replace(/[\\/]+$/, '')
    .split(/[\\/]/)
    .pop() || dir;

/**
 * What a desktop notification says when a job ends (Electron's Notification and the page's
 * Notification API alike): the lab and the result; null while the job runs.
 */
export function jobEndNotice(job: JobInfo): { title: string; body: string } | null {
  if (job.status === 'running') return null;
  const outcome = job.status === 'succeeded' ? 'succeeded' : job.status === 'cancelled' ? 'was cancelled' : 'failed';
  return { title: `${kindLabel[job.kind]} ${outcome}: ${folderName(job.dir)}`, body: `${jobResult(job)}\n${job.dir}` };
}

/**
 * The taskbar/dock progress for the jobs running now (Electron's BrowserWindow.setProgressBar: a
 * share from 0 to 1, above 1 "busy" with no share, below 0 none): the one job's download as its
 * share of the file while it fetches one of known size, "busy" otherwise.
 */
export function taskbarProgress(running: readonly JobInfo[]): number {
  if (running.length === 0) return -1;
  const transfer = running.length === 1 ? running[0]!.steps.find((step) => step.status === 'running')?.transfer : undefined;
  const total = transfer?.total ?? Number.NaN;
  const share = Number.isFinite(total) && total > 0 ? transfer!.bytes / total : Number.NaN;
  return Number.isFinite(share) && share >= 0 ? Math.min(share, 1) : 2;
}
