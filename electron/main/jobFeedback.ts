/**
 * A job's end and progress outside the page: a desktop notification naming the lab and the result
 * (shared/jobWords.ts jobEndNotice) when the window is not in front, and the taskbar/dock progress
 * while any job runs (taskbarProgress: a download's share, else busy). Thin: both are tested in shared/.
 */
import { Notification, type BrowserWindow } from 'electron';
import type { JobInfo } from '../../shared/jobs';
import { jobEndNotice, taskbarProgress } from '../../shared/jobWords';
import type { EventBus } from '../services/events';

export function followJobs(bus: EventBus, window: () => BrowserWindow | null): { lastDir: () => string | null } {
  const running = new Map<string, JobInfo>();
  let lastDir: string | null = null;
  bus.on('job.update', (job) => {
    lastDir = job.dir;
    const wasRunning = running.has(job.id);
    if (job.status === 'running') running.set(job.id, job);
    else running.delete(job.id);
    const win = window();
    // This app's own jobs: another program's is followed only while a page shows it, and its end may never come here.
    win?.setProgressBar(taskbarProgress([...running.values()].filter((own) => !own.owner)));
    const notice = wasRunning ? jobEndNotice(job) : null;
    if (!notice || !Notification.isSupported() || win?.isFocused()) return;
    const notification = new Notification({ title: notice.title, body: notice.body });
    notification.on('click', () => {
      const target = window();
      if (!target) return;
      if (target.isMinimized()) target.restore();
      target.show();
      target.focus();
    });
    notification.show();
  });
  return { lastDir: () => lastDir };
}
