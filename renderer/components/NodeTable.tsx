/** The lab's nodes: Vagrant's state of each VM and, when the cluster answers, whether its node is Ready. */
import type { LabStatus, NodeStatus } from '../../shared/jobs';
import './NodeTable.css';

const stateBadge = (state: NodeStatus['vagrantState']): string => {
  if (state === 'running') return 'ok';
  if (state === 'aborted' || state === 'gurumeditation' || state === 'inaccessible') return 'fail';
  if (state === 'unknown') return 'warn';
  return 'info';
};

/** `activity`: what a running job is doing to each machine (by machine name), shown under its state. */
export function NodeTable({ status, activity }: { status: LabStatus | null; activity?: Record<string, string> }) {
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
          </tr>
        ))}
      </tbody>
    </table>
  );
}
