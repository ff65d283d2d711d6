/**
 * Telepresence's VIF recursion: the problem, the two fixes and the state of both, with the client
 * setting written into config.yml from here. Opened from the top bar, so every step reaches it.
 */
import { useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import {
  DEFAULT_RECURSION_BLOCK,
  RECONNECT_HINT,
  RECURSION_BLOCK_SINCE,
  recursionBlockDurationIssue,
  ROUTE_CONTROLLER_SINCE,
} from '../../shared/telepresence';
import type { TelepresenceState } from '../../shared/telepresence';
import { api } from '../api';
import { useCall } from '../useCall';
import { useLabDir } from '../useLabDir';
import { useWizard } from '../wizard';
import { Badge } from './Badge';
import { labCommand } from './CliCommands';
import { Snippet } from './CopyButton';
import { ErrorBanner } from './ErrorBanner';
import { Field } from './Field';
import { ModalPanel } from './ModalPanel';
import './TelepresencePanel.css';

const short = (version: string) => version.replace(/\.0$/, '');

export function TelepresencePanel({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <ModalPanel open={open} onClose={onClose} labelledBy="telepresence-title" width={980}>
      <PanelBody onClose={onClose} />
    </ModalPanel>
  );
}

function PanelBody({ onClose }: { onClose: () => void }) {
  const state = useCall('telepresence.state', {});
  // The fix that works for the installed client leads: the route controller from 2.27, the client
  // setting for 2.21 to 2.26 (and while the client or its version is unknown, the setting, which
  // costs nothing to write).
  const routeControllerFirst = state.value?.routeController.available === true;
  const clientSetting = (
    <section className={routeControllerFirst ? 'card telepresence-later' : 'card'} aria-labelledby="fix-client-title" key="client">
      <h3 id="fix-client-title">{routeControllerFirst ? 'Fix 3' : 'Fix 2'}: the client setting</h3>
      <p>
        <code>routing.recursionBlockDuration</code> in Telepresence's <code>config.yml</code> blocks new connections to an IP:PORT for a moment after
        one is made, which ends the loop. It also helps a cluster you keep on a host-only network (Docker Desktop, kind, minikube).
      </p>
      {state.error && <ErrorBanner error={state.error} />}
      {state.value && <ClientSetting state={state.value} onChanged={state.reload} />}
      {!state.value && state.loading && (
        <p className="muted" role="status">
          Reading the Telepresence config…
        </p>
      )}
    </section>
  );
  const routeController = (
    <RouteControllerFix
      key="route"
      number={routeControllerFirst ? 2 : 3}
      available={state.value?.routeController.available ?? null}
      version={state.value?.binary.version ?? null}
    />
  );
  return (
    <>
      <div className="modal-head">
        <h2 id="telepresence-title">Telepresence and the VIF recursion</h2>
        <button type="button" onClick={onClose} aria-label="Close the Telepresence panel">
          Close
        </button>
      </div>
      <p>
        While Telepresence is connected, its virtual network interface (VIF) on this computer routes the cluster's subnets into the cluster. A cluster
        whose VMs run on this same computer can reach that VIF too, so a request nothing in the cluster answers loops from the cluster into the VIF
        and back, a flood of connections that slows everything until it times out.
      </p>
      <div className="telepresence-fixes">
        <BridgedFix />
        {routeControllerFirst ? [routeController, clientSetting] : [clientSetting, routeController]}
      </div>
      <section className="telepresence-versions" aria-label="Which versions">
        <p>
          <strong>Which versions read it:</strong> Telepresence {short(RECURSION_BLOCK_SINCE)} to 2.26 (it arrived in {RECURSION_BLOCK_SINCE},
          December 2024); older clients ignore the line, and so do {short(ROUTE_CONTROLLER_SINCE)} and later, which replaced it with the
          route-controller DaemonSet in the cluster.
        </p>
      </section>
    </>
  );
}

function RouteControllerFix({ number, available, version }: { number: number; available: boolean | null; version: string | null }) {
  const dir = useLabDir();
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [started, setStarted] = useState(false);
  const [busy, setBusy] = useState(false);
  const install = async () => {
    if (!dir) return;
    setBusy(true);
    setError(null);
    const result = await api.invoke('job.start', { dir, kind: 'route-controller' });
    setBusy(false);
    if (result.ok) setStarted(true);
    else setError(result.error);
  };
  return (
    <section className={available ? 'card' : 'card telepresence-later'} aria-labelledby="fix-route-title">
      <h3 id="fix-route-title">Fix {number}: the route controller in the cluster</h3>
      <p>
        Telepresence {short(ROUTE_CONTROLLER_SINCE)} and later install, on request, a route-controller DaemonSet with the traffic manager (
        <code>telepresence helm install --set routeController.enabled=true</code>) that drops traffic to unknown service addresses on every node, so
        the loop never starts. Cluster Lab installs it into the lab with the lab’s own kubeconfig, never your current context.
      </p>
      <p data-testid="route-controller-fit">
        {available === true ? (
          <>
            <Badge tone="success">Works with your client</Badge> Telepresence <span className="mono">{version}</span>
          </>
        ) : available === false ? (
          <>
            <Badge tone="neutral">Needs {short(ROUTE_CONTROLLER_SINCE)} or later</Badge> yours is <span className="mono">{version}</span>: use the
            client setting
          </>
        ) : (
          <Badge tone="neutral">Client version unknown</Badge>
        )}
      </p>
      {available !== false && (
        <>
          <div className="telepresence-actions">
            <button type="button" className={available ? 'primary' : undefined} onClick={() => void install()} disabled={!dir || busy || started}>
              Install route controller
            </button>
            {!dir && <span className="muted small">Write the lab first (Review step), then bring it Up.</span>}
          </div>
          {started && (
            <p className="banner info" role="status">
              Started: the Run step shows its steps and log.
            </p>
          )}
          {error && <ErrorBanner error={error} />}
          <Snippet text={labCommand('telepresence --route-controller', dir ?? 'DIR')} label="route controller command" />
        </>
      )}
    </section>
  );
}

function BridgedFix() {
  const { state } = useWizard();
  const { nic, subnet } = state.config.network;
  return (
    <section className="card" aria-labelledby="fix-bridged-title">
      <h3 id="fix-bridged-title">Fix 1: a bridged lab (this wizard)</h3>
      <p>
        The VMs join your LAN like any other machine, with their default route through the LAN router and an external DNS, so nothing in the cluster
        ever reaches this computer's VIF.
      </p>
      <dl className="telepresence-state" aria-label="Bridged lab state">
        <dt>This lab</dt>
        <dd>
          {nic ? (
            <>
              <Badge tone="success">Bridged</Badge> onto <span className="mono">{nic}</span>
              {subnet && (
                <>
                  {' '}
                  (<span className="mono">{subnet}</span>)
                </>
              )}
            </>
          ) : (
            <>
              <Badge tone="neutral">Not planned yet</Badge> pick a NIC on the Network step
            </>
          )}
        </dd>
        <dt>Written to</dt>
        <dd className="mono">{state.writtenDir ?? <span className="muted">not written yet</span>}</dd>
      </dl>
    </section>
  );
}

function ClientSetting({ state, onChanged }: { state: TelepresenceState; onChanged: () => void }) {
  const [duration, setDuration] = useState(state.recursionBlockDuration ?? DEFAULT_RECURSION_BLOCK);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [backup, setBackup] = useState<string | null>(null);
  const [reconnect, setReconnect] = useState(false);
  const issue = recursionBlockDurationIssue(duration);

  const write = async (value: string | null) => {
    setBusy(true);
    setError(null);
    const result = await api.invoke('telepresence.setRecursionBlock', { duration: value });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setBackup(result.value.backupPath ?? null);
    // Only a running Telepresence (VIF up, or not known) has read the old value.
    setReconnect(Boolean(result.value.written) && result.value.vif.up !== false);
    onChanged();
  };

  const { binary, vif } = state;
  const ignored = state.recursionBlockHonoured === false;
  return (
    <>
      <dl className="telepresence-state" aria-label="Client setting state">
        <dt>Config file</dt>
        <dd className="mono">
          {state.path} {!state.exists && <span className="muted">(does not exist yet)</span>}
        </dd>
        <dt>Current value</dt>
        <dd data-testid="recursion-block-value">
          {state.problem ? (
            <Badge tone="danger">Unreadable</Badge>
          ) : state.recursionBlockDuration ? (
            <>
              <Badge tone={ignored ? 'neutral' : 'success'}>Set</Badge> <span className="mono">{state.recursionBlockDuration}</span>
            </>
          ) : (
            <Badge tone={ignored ? 'neutral' : 'warning'}>Not set</Badge>
          )}
        </dd>
        {state.system.path && (
          <>
            <dt>System config</dt>
            <dd>
              <span className="mono">{state.system.recursionBlockDuration}</span> in <span className="mono">{state.system.path}</span>{' '}
              <span className="muted small">
                {state.recursionBlockDuration ? '(your file overrides it)' : '(in effect: your file does not set it)'}
              </span>
            </dd>
          </>
        )}
        <dt>Telepresence</dt>
        <dd>
          {binary.found ? (
            <>
              <span className="mono">{binary.version ?? 'version unknown'}</span> <span className="muted small">{binary.path}</span>
              {state.recursionBlockHonoured === false &&
                (state.routeController.available ? (
                  <div className="field-note">
                    <Badge tone="neutral">Ignored by this client</Badge> since {short(ROUTE_CONTROLLER_SINCE)} the route controller in the cluster
                    replaces it (Fix 2 above).
                  </div>
                ) : (
                  <div className="field-error">This version ignores the setting: it needs {short(RECURSION_BLOCK_SINCE)} to 2.26.</div>
                ))}
            </>
          ) : (
            <span className="muted">not installed (the setting is ready for when it is)</span>
          )}
        </dd>
        <dt>VIF now</dt>
        <dd>
          {/* Up is when a loop can start; Down only means not connected now, which fixes nothing. */}
          <Badge tone={vif.up ? 'warning' : 'neutral'}>{vif.up === null ? 'Unknown' : vif.up ? 'Up' : 'Down'}</Badge> {vif.note}
        </dd>
      </dl>
      {state.problem && (
        <ErrorBanner
          error={{ code: 'invalid_input', message: state.problem, hint: 'Cluster Lab will not change this file until it parses again.' }}
        />
      )}
      {error && <ErrorBanner error={error} />}
      {backup && (
        <p className="banner info" role="status">
          Saved. The previous version is kept as <span className="mono">{backup}</span>.
        </p>
      )}
      {reconnect && (
        <p className="banner warn" role="status">
          {RECONNECT_HINT}
        </p>
      )}
      <form
        className="telepresence-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!issue) void write(duration.trim());
        }}
      >
        <Field label="Block duration" error={issue ?? undefined} help="A Go duration; 1ms is usually enough.">
          <input value={duration} onChange={(e) => setDuration(e.target.value)} spellCheck={false} disabled={!!state.problem} />
        </Field>
        <div className="telepresence-actions">
          <button type="submit" className={ignored ? undefined : 'primary'} disabled={busy || !!issue || !!state.problem}>
            {state.recursionBlockDuration ? 'Update config.yml' : 'Write to config.yml'}
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => void write(null)}
            disabled={busy || !state.recursionBlockDuration || !!state.problem}
          >
            Remove the setting
          </button>
        </div>
      </form>
    </>
  );
}
