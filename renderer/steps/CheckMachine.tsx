/**
 * Step 1: this machine, the tools the lab needs, and the preflight: every check that would make
 * the lab fail, each with why and what to do. The lab's draft goes along, so the sizes and the NIC
 * are checked too once the later steps have them.
 */
import type { Check, CheckStatus } from '../../shared/doctor';
import { toolMeta, toolNames, type HostFacts } from '../../shared/host';
import { ErrorBanner } from '../components/ErrorBanner';
import { RichText } from '../components/RichText';
import { useCall } from '../useCall';
import { useWizard } from '../wizard';
import './CheckMachine.css';
import { StepHeader } from '../components/StepHeader';

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export function CheckMachineStep() {
  const { state } = useWizard();
  const facts = useCall('doctor.run', { config: state.config, dir: state.dir || undefined });
  return (
    <section aria-labelledby="check-title">
      <StepHeader
        id="check-title"
        title="Check this machine"
        actions={
          <button type="button" onClick={facts.reload} disabled={facts.loading}>
            {facts.loading ? 'Checking…' : 'Re-check'}
          </button>
        }
      >
        Cluster Lab drives these tools on your behalf. Nothing is installed or changed on this screen.
      </StepHeader>
      {facts.error && <ErrorBanner error={facts.error} />}
      {facts.value && <HostSummary facts={facts.value} />}
      {facts.value && <Preflight checks={facts.value.checks} />}
      {facts.value && <ToolTable facts={facts.value} />}
      {!facts.value && facts.loading && (
        <p className="muted" role="status">
          Reading host facts…
        </p>
      )}
    </section>
  );
}

const statusLabel: Record<CheckStatus, string> = { ok: 'OK', warn: 'Warning', fail: 'Must fix' };

function Preflight({ checks }: { checks: Check[] }) {
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const fails = count('fail');
  const warns = count('warn');
  const summary =
    fails > 0
      ? `${fails} problem${fails === 1 ? '' : 's'} to fix before the lab can run${warns ? `, and ${warns} warning${warns === 1 ? '' : 's'}` : ''}.`
      : warns > 0
        ? `Nothing blocks the lab; ${warns} warning${warns === 1 ? '' : 's'} to read.`
        : 'Everything checked is ready for the lab.';
  return (
    <section className="card preflight" aria-labelledby="preflight-title">
      <h3 id="preflight-title">Preflight</h3>
      <p className={`preflight-summary ${fails ? 'fail' : warns ? 'warn' : 'ok'}`} role="status">
        {summary}
      </p>
      <ul className="preflight-checks" aria-label="Preflight checks">
        {checks.map((c) => (
          <li key={c.id} data-check={c.id} data-status={c.status}>
            <span className={`badge ${c.status}`}>{statusLabel[c.status]}</span>
            <div>
              <div>
                <RichText text={c.message} />
              </div>
              {c.fix && (
                <div className={c.status === 'ok' ? 'muted small' : 'preflight-fix'}>
                  <RichText text={c.fix} />
                </div>
              )}
            </div>
          </li>
        ))}
      </ul>
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
              <td className="mono small">
                {info.found ? (
                  info.path
                ) : (
                  <span className="hint">
                    <RichText text={meta.installHint} />
                  </span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
