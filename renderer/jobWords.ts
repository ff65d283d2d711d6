/** How the page names jobs and their outcomes: the Run step, the window title and the announcements. */
import type { JobInfo, JobKind } from '../shared/jobs';

export const kindLabel: Record<JobKind, string> = {
  up: 'Up',
  down: 'Down',
  destroy: 'Destroy',
  provision: 'Provision',
  status: 'Status',
  'route-controller': 'Route controller',
};

/** "Up: running", for the window title (the taskbar shows it while the window is elsewhere). */
export const jobTitle = (job: JobInfo): string => `${kindLabel[job.kind]}: ${job.status}`;

/** What a screen reader hears when a job ends. */
export function jobResult(job: JobInfo): string {
  const kind = kindLabel[job.kind];
  if (job.status === 'succeeded') return `${kind} succeeded.`;
  if (job.status === 'cancelled') return `${kind} was cancelled.`;
  const where = job.failure?.machine ? ` on ${job.failure.machine}` : '';
  return `${kind} failed${where}${job.failure ? `: ${job.failure.message}` : '.'}`;
}
