/** Step 1: this machine and the tools the lab needs, each missing one with what to do about it. */
import { toolMeta, toolNames, type HostFacts } from '../../shared/host';
import { ErrorBanner } from '../components/ErrorBanner';
import { useCall } from '../useCall';

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export function CheckMachineStep() {
  const facts = useCall('host.facts', {});
  return (
    <section aria-labelledby="check-title">
      <header className="step-header">
        <div>
          <h2 id="check-title">Check this machine</h2>
          <p className="muted">Cluster Lab drives these tools on your behalf. Nothing is installed or changed on this screen.</p>
        </div>
        <button type="button" onClick={facts.reload} disabled={facts.loading}>
          {facts.loading ? 'Checking…' : 'Re-check'}
        </button>
      </header>
      {facts.error && <ErrorBanner error={facts.error} />}
      {facts.value && <HostSummary facts={facts.value} />}
      {facts.value && <ToolTable facts={facts.value} />}
      {!facts.value && facts.loading && (
        <p className="muted" role="status">
          Reading host facts…
        </p>
      )}
    </section>
  );
}

function HostSummary({ facts }: { facts: HostFacts }) {
  const { host } = facts;
  return (
    <dl className="facts" aria-label="Host facts">
      <div>
        <dt>System</dt>
        <dd>
          {host.osName} {host.release}
        </dd>
      </div>
      <div>
        <dt>Architecture</dt>
        <dd>{host.arch}</dd>
      </div>
      <div>
        <dt>CPUs</dt>
        <dd>{host.cpus}</dd>
      </div>
      <div>
        <dt>Memory</dt>
        <dd>
          {gib(host.totalMemoryBytes)} <span className="muted">({gib(host.freeMemoryBytes)} free)</span>
        </dd>
      </div>
    </dl>
  );
}

function ToolTable({ facts }: { facts: HostFacts }) {
  return (
    <table className="tools" aria-label="Tools">
      <thead>
        <tr>
          <th scope="col">Tool</th>
          <th scope="col">Status</th>
          <th scope="col">Version</th>
          <th scope="col">Where</th>
        </tr>
      </thead>
      <tbody>
        {toolNames.map((tool) => {
          const info = facts.tools[tool];
          const meta = toolMeta[tool];
          const status = info.found ? 'ok' : meta.required ? 'fail' : 'warn';
          return (
            <tr key={tool} data-tool={tool}>
              <th scope="row">
                {meta.label}
                <div className="muted small">{meta.purpose}</div>
              </th>
              <td>
                <span className={`badge ${status}`}>{info.found ? 'Found' : meta.required ? 'Missing' : 'Not installed'}</span>
              </td>
              <td className="mono">{info.version ?? (info.found ? (info.error ?? 'unknown') : '—')}</td>
              <td className="mono small">{info.found ? info.path : <span className="hint">{meta.installHint}</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
