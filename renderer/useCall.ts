/** Run a contract call when a view needs it, with loading, error and reload. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CallArgs, CallName, CallResult } from '../shared/contract';
import type { ErrorInfo } from '../shared/errors';
import { api } from './api';

export interface CallState<T> {
  value: T | null;
  error: ErrorInfo | null;
  loading: boolean;
  reload: () => void;
}

export function useCall<K extends CallName>(name: K, args: CallArgs<K> | null): CallState<CallResult<K>> {
  const [state, setState] = useState<Omit<CallState<CallResult<K>>, 'reload'>>({ value: null, error: null, loading: args !== null });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(args);
  const latest = useRef(0);

  useEffect(() => {
    if (args === null) return;
    const ticket = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    void api.invoke(name, args).then((envelope) => {
      if (ticket !== latest.current) return;
      setState(envelope.ok ? { value: envelope.value, error: null, loading: false } : { value: null, error: envelope.error, loading: false });
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name, key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
