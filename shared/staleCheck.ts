/**
 * Whether the last lab check still speaks for the machines: a verdict read from inside a VM holds
 * only while that VM runs as it was checked. Derived from what the Run step already has (the
 * machine states, the jobs it saw, the check's time), or what the list of labs reads from the lab
 * folder, so neither shows "Loop-proof" for a lab that was stopped, destroyed or re-provisioned since.
 */
import type { JobInfo, LabStatus, NodeStatus } from './jobs';
import type { LabCheck } from './labCheck';

export interface StaleCheck {
  /** Everything that changed since the check, for one line ("server stopped after the check"). */
  reason: string;
  /** Each checked machine's line: its own change first, else the lab's. */
  byMachine: Record<string, string>;
}

const names = (list: string[]) => (list.length > 1 ? `${list.slice(0, -1).join(', ')} and ${list.at(-1)}` : (list[0] ?? ''));

/** Jobs that rewrite a running machine's network (Up provisions a machine it boots). */
const reworks = new Set<JobInfo['kind']>(['up', 'provision']);
const kindWord: Partial<Record<JobInfo['kind'], string>> = { up: 'Up', provision: 'Provision' };

/** What the verdict is judged against: the machine states and when they were read, the jobs seen (the Run step's, or the list of labs' from the folder). */
export type StateSeen = Pick<LabStatus, 'checkedAt'> & { nodes: readonly Pick<NodeStatus, 'machine' | 'vagrantState'>[] };

export function staleCheck<J extends Pick<JobInfo, 'kind' | 'startedAt'>>(
  check: LabCheck | null,
  status: StateSeen | null,
  jobs: readonly J[],
): StaleCheck | null {
  if (!check) return null;
  const at = Date.parse(check.checkedAt);
  const checked = check.nodes.filter((n) => n.ok !== null).map((n) => n.machine);
  if (!checked.length) return null;
  const own: Record<string, string> = {};
  const groups = { destroyed: [] as string[], stopped: [] as string[] };
  // A state read before the check says nothing of what happened after it; "unknown" says nothing at all.
  if (status && status.checkedAt >= at)
    for (const node of status.nodes) {
      if (!checked.includes(node.machine) || node.vagrantState === 'running' || node.vagrantState === 'unknown') continue;
      const what = node.vagrantState === 'not_created' ? 'destroyed' : 'stopped';
      groups[what].push(node.machine);
      own[node.machine] = `${node.machine} ${what} after the check`;
    }
  // Up's own check comes at its end, so only a job started after the check re-provisioned since.
  const rework = jobs.filter((job) => reworks.has(job.kind) && job.startedAt > at).at(-1);
  const parts = [
    ...(rework ? [`${kindWord[rework.kind]} ran after the check`] : []),
    ...(['destroyed', 'stopped'] as const).flatMap((what) => (groups[what].length ? [`${names(groups[what])} ${what} after the check`] : [])),
  ];
  if (!parts.length) return null;
  const reason = parts.join('; ');
  return { reason, byMachine: Object.fromEntries(checked.map((machine) => [machine, own[machine] ?? reason])) };
}
