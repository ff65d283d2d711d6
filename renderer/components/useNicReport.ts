/** This computer's NICs from main (cached there), with Refresh asking main to read them afresh. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import type { NicReport } from '../../shared/nics';
import { api } from '../api';

export interface NicReportState {
  report: NicReport | null;
  error: ErrorInfo | null;
  loading: boolean;
  refresh: () => void;
}

export function useNicReport(): NicReportState {
  const [state, setState] = useState<Omit<NicReportState, 'refresh'>>({ report: null, error: null, loading: true });
  const latest = useRef(0);
  const load = useCallback((refresh: boolean) => {
    const ticket = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    void api.invoke('nics.list', refresh ? { refresh } : {}).then((envelope) => {
      if (ticket !== latest.current) return;
      setState(envelope.ok ? { report: envelope.value, error: null, loading: false } : { report: null, error: envelope.error, loading: false });
    });
  }, []);
  useEffect(() => load(false), [load]);
  const refresh = useCallback(() => load(true), [load]);
  return { ...state, refresh };
}
