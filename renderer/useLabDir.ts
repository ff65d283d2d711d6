import { useWizard } from './wizard';

/** The lab folder the Run step has open (there or from the home screen), else the one the Review step wrote. */
export function useLabDir(): string | null {
  const { state } = useWizard();
  return state.opened ?? state.writtenDir;
}
