/** The lab's nodes: Vagrant's state of each VM and, when the cluster answers, whether its node is Ready. */
import type { LabStatus, NodeStatus } from '../../shared/jobs';
import type { LabCheck, NodeCheck } from '../../shared/labCheck';
import type { StaleCheck } from '../../shared/staleCheck';
import './NodeTable.css';

const stateBadge = (state: NodeStatus['vagrantState']): string => {
  if (state === 'running') return 'ok';
  if (state === 'aborted' || state === 'gurumeditation' || state === 'inaccessible') return 'fail';
  if (state === 'unknown') return 'warn';
  return 'info';
};

const verdict = (node: NodeCheck | undefined) =>
  !node || node.ok === null
    ? { text: 'Not checked', badge: 'quiet' }
    : node.ok
      ? { text: 'Loop-proof', badge: 'ok' }
      : { text: 'At risk', badge: 'fail' };

/**
 * `activity`: what a running job is doing to each machine (by machine name), shown under its state.
 * `check`: the last lab check, one verdict a node, with why when it is not loop-proof; `stale`: what
 * changed on the machines since it, which retires its verdicts.
 */
export function NodeTable({
  status,
  activity,
  check,
  stale,
}: {
  status: LabStatus | null;
  activity?: Record<string, string>;
  check?: LabCheck | null;
  stale?: StaleCheck | null;
}) {
  if (!status) return <p className="muted">Reading the state of the VMs…</p>;
  return (
    <table className="nodes" aria-label="Nodes">
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">Role</th>
          <th scope="col">IP</th>
          <th scope="col">VM (Vagrant)</th>
          <th scope="col">Node ready</th>
          <th scope="col">
            Loop check
            {check ? (
              <span className="muted small">
                {' '}
                (<time dateTime={check.checkedAt}>{new Date(check.checkedAt).toLocaleTimeString()}</time>)
              </span>
            ) : null}
          </th>
        </tr>
      </thead>
      <tbody>
        {status.nodes.map((node) => (
          <tr key={node.machine} data-machine={node.machine} data-state={node.vagrantState} data-ready={String(node.ready)}>
            <th scope="row">
              {node.name}
              {node.machine !== node.name && <span className="muted small node-machine"> (machine {node.machine})</span>}
            </th>
            <td>{node.role}</td>
            <td className="mono">{node.ip}</td>
            <td>
              <span className={`badge ${stateBadge(node.vagrantState)}`}>{node.vagrantStateText}</span>
              {activity?.[node.machine] && (
                <div className="small node-activity" data-activity={activity[node.machine]}>
                  {activity[node.machine]}
                </div>
              )}
              {node.provider && node.provider !== 'virtualbox' && (
                <div className="small field-error">Provider {node.provider}, not VirtualBox: destroy this VM and run Up again.</div>
              )}
            </td>
            <td>
              {node.ready === null ? (
                <span className="muted" title="The cluster did not answer (the server is not running, or there is no kubeconfig yet).">
                  —
                </span>
              ) : node.ready ? (
                <span className="badge ok">Ready</span>
              ) : (
                <span className="badge warn">Not ready</span>
              )}
            </td>
            <VerdictCell node={check?.nodes.find((n) => n.machine === node.machine)} stale={stale?.byMachine[node.machine]} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One node's verdict in the last lab check, with what failed; once stale, what changed and what it said then. */
function VerdictCell({ node, stale }: { node: NodeCheck | undefined; stale: string | undefined }) {
  const { text, badge } = verdict(node);
  if (stale)
    return (
      <td data-verdict="Stale">
        <span className="badge stale">Stale</span>
        <div className="small muted node-check-detail stale">
          {stale}; it said {text} then.
        </div>
      </td>
    );
  return (
    <td data-verdict={text}>
      <span className={`badge ${badge}`}>{text}</span>
      {node?.checks
        .filter((c) => !c.ok)
        .map((c) => (
          <div key={c.id} className="small node-check-detail">
            {c.detail}
          </div>
        ))}
    </td>
  );
}
