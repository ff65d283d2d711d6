/**
 * A step's say before Next leaves it: the Review step writes the lab first, and the wizard stays on
 * it (the reason in view) when the write does not happen. Next waits for the answer; its press
 * stays taken meanwhile, so a second click cannot count from the step being left.
 */
import { createContext, useContext, useEffect, type RefObject } from 'react';

export type StepGate = () => Promise<boolean>;

export const StepGateContext = createContext<RefObject<StepGate | null> | null>(null);

/** The current step's gate: the latest `gate` while the step is shown. */
export function useStepGate(gate: StepGate): void {
  const ref = useContext(StepGateContext);
  useEffect(() => {
    if (!ref) return;
    ref.current = gate;
    return () => {
      ref.current = null;
    };
  });
}
