/**
 * The lab's Vagrant machines in the Vagrantfile's order, and the names each one goes by: Vagrant's
 * machine name, the guest's host name and the Kubernetes node name. They differ, and every place
 * that matches a node (the registry's nodeSelector, the Ready wait, the node table) uses `nodeName`.
 */
import type { LabConfig } from './schema';

export const SERVER_MACHINE = 'server';

export interface LabMachine {
  /** The Vagrant machine name: `server`, or the agent's name. */
  machine: string;
  /**
   * What the Vagrantfile gives `vm.hostname`. Vagrant's Debian/Ubuntu guest sets only its first
   * label as the host name (vagrant 2.3.4 plugins/guests/debian/cap/change_host_name.rb:
   * `basename = name.split(".", 2)[0]`), so k3s would name a dotted server after that label.
   */
  hostname: string;
  /**
   * The Kubernetes node name, passed to k3s as `--node-name` so it does not depend on the guest:
   * the whole name, lower-cased (node names are RFC 1123 subdomains, lower case only).
   */
  nodeName: string;
  ip: string;
  role: 'server' | 'agent';
}

/**
 * A host name as the cluster spells it: k3s lower-cases the node name whether it comes from
 * `--node-name` or the host name (k3s pkg/util/net.go, GetHostnameAndIPs: `strings.ToLower(name)`,
 * after kubernetes/kubernetes#71140), and what is matched against it (the registry mirror, the TLS
 * name, the node selector) uses the same spelling.
 */
export function clusterName(name: string): string {
  return name.toLowerCase();
}

/** The server's name as the cluster and its registry know it: `<server>` in `<server>:5000/<image>`. */
export function serverClusterName(config: LabConfig): string {
  return clusterName(config.server.name);
}

export function labMachines(config: LabConfig): LabMachine[] {
  const machine = (name: string, hostname: string, ip: string, role: LabMachine['role']): LabMachine => ({
    machine: name,
    hostname,
    nodeName: clusterName(hostname),
    ip,
    role,
  });
  return [
    machine(SERVER_MACHINE, config.server.name, config.server.ip, 'server'),
    ...config.agents.map((agent) => machine(agent.name, agent.name, agent.ip, 'agent')),
  ];
}
