/**
 * The wizard's state: the lab draft and what the steps learned along the way. It lives above the
 * steps, so going back and forth keeps every answer; it is saved (persist.ts) so a reload, a second
 * tab and a restart find the draft, the opened lab and the screen again.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { validateLab, type LabConfig } from '../shared/lab/schema';
import type { FieldIssue } from '../shared/errors';
import { readUiState, type UiState } from '../shared/uiState';
import { api } from './api';
import { loadUiState, UiStateSaver } from './persist';
import { replaceScreen, startScreen } from './route';

/**
 * `config` is the draft; `dir` the lab folder chosen on the Review step ('' until then); `writtenDir`
 * the folder the lab was last written to; `opened` the lab the Run step works on; `screen` the one shown.
 */
export type WizardState = UiState;

interface WizardValue {
  state: WizardState;
  issues: FieldIssue[];
  update: (change: (state: WizardState) => WizardState) => void;
  updateConfig: (change: (config: LabConfig) => LabConfig) => void;
}

const WizardContext = createContext<WizardValue | null>(null);

export function WizardProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<WizardState | null>(null);
  const [saver] = useState(() => new UiStateSaver(api));
  // Only what changed here is saved: a state taken from another tab or from the saved copy is not written back.
  const changedHere = useRef(false);
  useEffect(() => {
    let live = true;
    void loadUiState(api)
      .then(async (loaded) => ({ ...loaded, screen: await startScreen(api, loaded) }))
      .then((loaded) => {
        if (!live) return;
        replaceScreen(loaded.screen);
        setState((current) => current ?? loaded);
      });
    const off = api.on('ui.state', ({ state: saved, client }) => {
      const other = client === saver.client ? null : readUiState(saved);
      // Another tab's draft and lab, never its screen: each tab stays where its user is.
      if (other) setState((current) => (current && other.savedAt > current.savedAt ? { ...other, screen: current.screen } : current));
    });
    const flush = () => void saver.flush();
    window.addEventListener('pagehide', flush);
    return () => {
      live = false;
      off();
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, [saver]);
  useEffect(() => {
    if (state && changedHere.current) saver.save(state);
    changedHere.current = false;
  }, [state, saver]);
  const update = useCallback((change: (state: WizardState) => WizardState) => {
    changedHere.current = true;
    setState((previous) => previous && { ...change(previous), savedAt: Date.now() });
  }, []);
  const updateConfig = useCallback((change: (config: LabConfig) => LabConfig) => update((s) => ({ ...s, config: change(s.config) })), [update]);
  const config = state?.config;
  const issues = useMemo(() => {
    const result = config ? validateLab(config) : null;
    return !result || result.ok ? [] : result.issues;
  }, [config]);
  const value = useMemo(() => state && { state, issues, update, updateConfig }, [state, issues, update, updateConfig]);
  if (!value)
    return (
      <p className="muted" role="status">
        Loading Cluster Lab…
      </p>
    );
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
