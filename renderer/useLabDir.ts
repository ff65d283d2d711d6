import { useWizard } from './wizard';

/** The lab folder the Run step has open (its session key), else the one the Review step wrote. */
export function useLabDir(): string | null {
  const { state } = useWizard();
  return sessionStorage.getItem('cluster-lab.run.dir') ?? state.writtenDir;
}
