/**
 * Browser mode's job-end notifications (Electron's main process sends its own): off until the
 * person asks, through the Help dialog's "Notify me when jobs end", which is when the browser's
 * permission prompt appears; never on load.
 */
import { useEffect, useState } from 'react';
import { jobEndNotice } from '../shared/jobWords';
import { api } from './api';

const storageKey = 'cluster-lab.notify';

/** Electron has its own (main's Notification); a browser without the API has none. */
export const pageNotificationsSupported = (): boolean => !window.lab && 'Notification' in window;

export type NotifyState = 'unsupported' | 'off' | 'on' | 'blocked';

function currentState(): NotifyState {
  if (!pageNotificationsSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return Notification.permission === 'granted' && localStorage.getItem(storageKey) === 'on' ? 'on' : 'off';
}

/** The person's choice and how to change it. */
export function useNotifyChoice(): [NotifyState, (on: boolean) => Promise<void>] {
  const [state, setState] = useState(currentState);
  const choose = async (on: boolean) => {
    if (on && Notification.permission === 'default') await Notification.requestPermission();
    if (on) localStorage.setItem(storageKey, 'on');
    else localStorage.removeItem(storageKey);
    setState(currentState());
  };
  return [state, choose];
}

/** Notify when a job this page saw running ends while the page is not in front; a click brings the lab back. */
export function useJobNotifications(openLab: () => void): void {
  useEffect(() => {
    const running = new Set<string>();
    return api.on('job.update', (job) => {
      if (job.status === 'running') return void running.add(job.id);
      if (!running.delete(job.id) || currentState() !== 'on' || (document.visibilityState === 'visible' && document.hasFocus())) return;
      const notice = jobEndNotice(job);
      if (!notice) return;
      const notification = new Notification(notice.title, { body: notice.body, tag: job.id });
      notification.onclick = () => {
        window.focus();
        openLab();
        notification.close();
      };
    });
  }, [openLab]);
}
