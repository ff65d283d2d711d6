/** The node table: each machine's Vagrant state, plus readiness from the cluster when it answers. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LabStatus, NodeStatus } from '../../../shared/jobs';
import { labMachines } from '../../../shared/lab/machines';
import type { LabConfig } from '../../../shared/lab/schema';
import type { MachineState } from '../../../shared/vagrantOutput';
import type { ServiceContext } from '../context';
import { getNodes, LAB_KUBECONFIG } from '../kubectl';
import { recordStates } from '../labs/recorded';
import { findExecutable } from '../tools';

export async function labStatusFrom(ctx: ServiceContext, dir: string, config: LabConfig, states: MachineState[]): Promise<LabStatus> {
  const kubeconfig = path.join(dir, LAB_KUBECONFIG);
  const hasKubeconfig = await stat(kubeconfig).then(
    () => true,
    () => false,
  );
  // The list of labs shows these states without running Vagrant again.
  await recordStates(dir, states);
  const serverRunning = states.find((s) => s.name === 'server')?.state === 'running';
  let readiness: Map<string, boolean> | null = null;
  if (hasKubeconfig && serverRunning) {
    const kubectl = await findExecutable('kubectl', ctx);
    const answer = kubectl ? await getNodes(kubectl, kubeconfig, ctx) : null;
    if (answer && 'nodes' in answer) readiness = new Map(answer.nodes.map((n) => [n.name, n.ready]));
  }
  const nodes: NodeStatus[] = labMachines(config).map((m) => {
    const state = states.find((s) => s.name === m.machine);
    return {
      name: m.nodeName,
      machine: m.machine,
      role: m.role,
      ip: m.ip,
      vagrantState: state?.state ?? 'unknown',
      vagrantStateText: state?.short ?? 'unknown',
      provider: state?.provider ?? null,
      ready: readiness ? (readiness.get(m.nodeName) ?? false) : null,
    };
  });
  return { dir, nodes, clusterReachable: readiness !== null, checkedAt: Date.now(), kubeconfigPath: hasKubeconfig ? kubeconfig : null };
}

/** The node table when Vagrant could not be asked: every state unknown, and why. */
export function unknownLabStatus(dir: string, config: LabConfig, error: string): LabStatus {
  const nodes: NodeStatus[] = labMachines(config).map((m) => ({
    name: m.nodeName,
    machine: m.machine,
    role: m.role,
    ip: m.ip,
    vagrantState: 'unknown',
    vagrantStateText: 'unknown',
    provider: null,
    ready: null,
  }));
  return { dir, nodes, clusterReachable: false, checkedAt: Date.now(), kubeconfigPath: null, error };
}
