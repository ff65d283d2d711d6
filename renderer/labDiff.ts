/**
 * Where the wizard's draft and the lab in a folder differ, field by field, in the words the Lab and
 * Addresses steps use: what the Run step says before Up would run a lab other than the one on screen.
 */
import type { LabConfig } from '../shared/lab/schema';

export interface LabDifference {
  field: string;
  folder: string;
  draft: string;
}

const nodes = (list: readonly { name: string; ip: string }[]) =>
  list.length ? list.map((n) => `${n.name} (${n.ip || 'no IP'})`).join(', ') : 'none';

/**
 * A written channel lab also records the release the channel pointed at; a draft that has none yet
 * (never written, or written by a version that resolves it at write time) is not a difference.
 */
function k3s(lab: LabConfig, other: LabConfig): string {
  const { k3s: own } = lab;
  if (own.source === 'version') return `version ${own.value}`;
  const pinned = own.version && other.k3s.source === 'channel' && other.k3s.version ? ` (${own.version})` : '';
  return `channel ${own.value}${pinned}`;
}

const fields: [string, (lab: LabConfig, other: LabConfig) => string][] = [
  ['Name', (lab) => lab.name],
  ['Network interface', (lab) => lab.network.nic],
  ['VirtualBox bridge', (lab) => lab.network.bridge],
  ['Subnet', (lab) => lab.network.subnet],
  ['Host address', (lab) => lab.network.hostIp || 'none'],
  ['Default route', (lab) => lab.network.gateway],
  ['DNS', (lab) => lab.network.dns.join(', ')],
  ['Server', (lab) => nodes([lab.server])],
  ['Agents', (lab) => nodes(lab.agents)],
  ['Memory', (lab) => `${lab.vm.memoryMb} MB`],
  ['CPUs', (lab) => String(lab.vm.cpus)],
  ['Box', (lab) => lab.vm.box],
  ['Linked clones', (lab) => (lab.vm.linkedClone ? 'yes' : 'no')],
  ['Agents come up', (lab) => (lab.vm.parallel ? 'side by side' : 'one after another')],
  ['k3s', k3s],
  ['Registry', (lab) => (lab.registry.enabled ? 'on' : 'off')],
];

export function labDifferences(folder: LabConfig, draft: LabConfig): LabDifference[] {
  return fields.flatMap(([field, show]) => {
    const [inFolder, inDraft] = [show(folder, draft), show(draft, folder)];
    return inFolder === inDraft ? [] : [{ field, folder: inFolder, draft: inDraft }];
  });
}
