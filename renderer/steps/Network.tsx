import { Placeholder } from '../components/Placeholder';

export function NetworkStep() {
  return (
    <Placeholder title="Network">
      Pick the host network interface the lab's VMs will bridge onto. Cluster Lab lists this machine's NICs, marks the ones that cannot be bridged
      (loopback, VPNs, Telepresence's own VIF, container bridges) and preselects the one holding the default route.
    </Placeholder>
  );
}
