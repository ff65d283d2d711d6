import { Placeholder } from '../components/Placeholder';

export function RunStep() {
  return <Placeholder title="Run">One-click Up and Down with live vagrant and kubectl logs, node status and the kubeconfig.</Placeholder>;
}
