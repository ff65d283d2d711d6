/** Step 2: the host NIC the VMs bridge onto. Choosing one asks main for the address plan on its LAN. */
import { useCallback, useEffect, useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import { pickableNics, type Nic } from '../../shared/nics';
import { api } from '../api';
import { ErrorBanner } from '../components/ErrorBanner';
import { NicPicker } from '../components/NicPicker';
import { useNicReport } from '../components/useNicReport';
import { useWizard } from '../wizard';
import './Network.css';
import { StepHeader } from '../components/StepHeader';

export function NetworkStep() {
  const { state, updateConfig } = useWizard();
  const nics = useNicReport();
  const [planning, setPlanning] = useState<string | null>(null);
  const [planError, setPlanError] = useState<ErrorInfo | null>(null);
  const chosen = state.config.network.nic;
  const { config } = state;

  const choose = useCallback(
    async (nic: Nic) => {
      setPlanning(nic.name);
      setPlanError(null);
      const envelope = await api.invoke('plan.suggest', { nic: nic.name, agents: config.agents.length, base: config });
      setPlanning(null);
      if (envelope.ok) updateConfig(() => envelope.value);
      else setPlanError(envelope.error);
    },
    [config, updateConfig],
  );

  // The NIC holding the default route is preselected the first time this step sees the NICs.
  const report = nics.report;
  useEffect(() => {
    if (!report || chosen) return;
    const preferred = pickableNics(report).find((n) => n.default) ?? pickableNics(report)[0];
    if (preferred) void choose(preferred);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [report]);

  const current = report?.nics.find((n) => n.name === chosen);
  return (
    <section aria-labelledby="network-title" className="network-step">
      <StepHeader
        id="network-title"
        title="Network"
        actions={
          <button type="button" onClick={nics.refresh} disabled={nics.loading}>
            {nics.loading ? 'Reading…' : 'Refresh'}
          </button>
        }
      >
        Pick the network interface the lab's VMs bridge onto: they join that LAN as machines of their own.
      </StepHeader>
      {nics.error && <ErrorBanner error={nics.error} title="Could not read this computer's network interfaces" />}
      {planError && <ErrorBanner error={planError} title="No address plan for that interface" />}
      {report && chosen && !current && (
        <div className="banner warn" role="alert">
          The interface chosen before, <code>{chosen}</code>, is not on this computer now: pick another one.
        </div>
      )}
      {report && current && current.excluded && (
        <div className="banner warn" role="alert">
          The interface chosen before, <code>{chosen}</code>, cannot be bridged now: {current.excluded}. Pick another one.
        </div>
      )}
      {current && !current.excluded && current.ipv4 !== state.config.network.hostIp && (
        <div className="banner info" role="status">
          The address of <code>{current.name}</code> is now {current.ipv4 ?? 'gone'}; the lab was planned for{' '}
          {state.config.network.hostIp || 'another'}.{' '}
          <button type="button" className="link" onClick={() => void choose(current)}>
            Plan the addresses again
          </button>
        </div>
      )}
      <div className="network-layout">
        <div>
          {report && <NicPicker report={report} chosen={chosen} planning={planning} onChoose={(nic) => void choose(nic)} />}
          {!report && nics.loading && (
            <p className="muted" role="status">
              Reading this computer's network interfaces…
            </p>
          )}
          {report && (
            <p className="muted small network-meta">
              Default route via <span className="mono">{report.gateway ?? 'none detected'}</span> · read{' '}
              {new Date(report.detectedAt).toLocaleTimeString()}
              {!report.bridges && ' · VirtualBox not found: bridge names are best guesses'}
            </p>
          )}
          {report?.notes.map((note) => (
            <div key={note} className="banner info small">
              {note}
            </div>
          ))}
        </div>
        <aside className="card why-bridged" aria-labelledby="why-bridged-title">
          <h3 id="why-bridged-title">Why a bridged network?</h3>
          <p>
            With VirtualBox's usual host-only network the cluster can reach this computer's network, and, while Telepresence is connected, its VIF,
            which maps the cluster's own subnets a second time. A request nobody in the cluster answers goes out to the host, into the VIF, back to
            the cluster, and loops until it times out, starving other connections.
          </p>
          <p>
            Bridged, each VM is a machine on your LAN with its own static address, its default route through your LAN router and external DNS. Nothing
            it sends passes through this computer, so it never meets the VIF.
          </p>
          <p className="muted small">
            Nothing is sent on the network to find free addresses: the plan only skips ones this computer has seen in use.
          </p>
        </aside>
      </div>
    </section>
  );
}
