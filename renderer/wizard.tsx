/**
 * The wizard's state: the lab draft and what the steps learned along the way. It lives above the
 * steps, so going back and forth keeps every answer; the draft is kept in sessionStorage so a
 * reload in browser mode keeps it too.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { defaultLabConfig, validateLab, type LabConfig } from '../shared/lab/schema';
import type { FieldIssue } from '../shared/errors';

export interface WizardState {
  config: LabConfig;
  /** The lab folder chosen on the Review step ('' until then). */
  dir: string;
  /** The folder the lab was last written to: Run works on it. */
  writtenDir: string | null;
}

interface WizardValue {
  state: WizardState;
  issues: FieldIssue[];
  update: (change: (state: WizardState) => WizardState) => void;
  updateConfig: (change: (config: LabConfig) => LabConfig) => void;
}

const storageKey = 'cluster-lab.wizard.v1';

function initialState(): WizardState {
  try {
    const saved = sessionStorage.getItem(storageKey);
    if (saved) return JSON.parse(saved) as WizardState;
  } catch {
    // a broken or foreign entry: start afresh
  }
  return { config: defaultLabConfig(), dir: '', writtenDir: null };
}

const WizardContext = createContext<WizardValue | null>(null);

export function WizardProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState(initialState);
  const update = useCallback((change: (state: WizardState) => WizardState) => {
    setState((previous) => {
      const next = change(previous);
      sessionStorage.setItem(storageKey, JSON.stringify(next));
      return next;
    });
  }, []);
  const updateConfig = useCallback((change: (config: LabConfig) => LabConfig) => update((s) => ({ ...s, config: change(s.config) })), [update]);
  const issues = useMemo(() => {
    const result = validateLab(state.config);
    return result.ok ? [] : result.issues;
  }, [state.config]);
  const value = useMemo(() => ({ state, issues, update, updateConfig }), [state, issues, update, updateConfig]);
  return <WizardContext.Provider value={value}>{children}</WizardContext.Provider>;
}

export function useWizard(): WizardValue {
  const value = useContext(WizardContext);
  if (!value) throw new Error('useWizard outside WizardProvider');
  return value;
}

/** The inline error for one field, from the one schema. */
export function fieldError(issues: FieldIssue[], path: string): string | undefined {
  return issues.find((issue) => issue.path === path)?.message;
}
