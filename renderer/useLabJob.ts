/** The Run step's lab, its job and its log, for a React view: a LabJob kept on the folder `dir`. */
import { useEffect, useState, useSyncExternalStore, type RefObject } from 'react';
import { api } from './api';
import { LabJob, type LogSink } from './labJob';

export function useLabJob(dir: string | null, log: RefObject<LogSink | null>) {
  const [lab] = useState(() => new LabJob(api, () => log.current));
  useEffect(() => () => lab.dispose(), [lab]);
  useEffect(() => {
    void lab.open(dir);
  }, [lab, dir]);
  const state = useSyncExternalStore(lab.subscribe, lab.getState);
  return [state, lab] as const;
}
