import { Placeholder } from '../components/Placeholder';

export function LabStep() {
  return <Placeholder title="Lab">VM memory and CPUs, the Vagrant box, the k3s version and the in-cluster registry.</Placeholder>;
}
