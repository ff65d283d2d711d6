/**
 * The job this page last saw, whichever step is open: the window title follows it and its end is
 * announced. Main sends every job's updates to every window, so leaving the Run step loses nothing.
 */
import { useEffect, useState } from 'react';
import type { JobInfo } from '../shared/jobs';
import { api } from './api';
import { useAnnounce } from './components/Announcer';
import { jobResult } from './jobWords';

export function useJobProgress(): JobInfo | null {
  const [job, setJob] = useState<JobInfo | null>(null);
  const announce = useAnnounce();
  useEffect(() => {
    const running = new Set<string>();
    return api.on('job.update', (info) => {
      setJob(info);
      if (info.status === 'running') running.add(info.id);
      else if (running.delete(info.id)) announce(jobResult(info));
    });
  }, [announce]);
  return job;
}
