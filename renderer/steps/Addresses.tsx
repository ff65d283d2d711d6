/** Step 3: the address plan as an editable form; every error comes from the lab schema and names its field. */
import { useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import { networkWarnings, suggestAddress } from '../../shared/lab/plan';
import { formatIPv4, parseCidr, usableRangeText } from '../../shared/lab/net';
import { defaultLabConfig, MAX_AGENTS, type LabConfig } from '../../shared/lab/schema';
import { addressIssues } from '../../shared/labs';
import { api } from '../api';
import { ErrorBanner } from '../components/ErrorBanner';
import { Field } from '../components/Field';
import { HostsLine } from '../components/HostsLine';
import { useNicReport } from '../components/useNicReport';
import { useCall } from '../useCall';
import { useWizard } from '../wizard';
import './Addresses.css';
import { StepHeader, StepHeading } from '../components/StepHeader';

const dnsPresets = [
  { id: 'cloudflare-google', label: 'Cloudflare and Google: 1.1.1.1, 8.8.8.8', servers: ['1.1.1.1', '8.8.8.8'] },
  { id: 'cloudflare', label: 'Cloudflare: 1.1.1.1, 1.0.0.1', servers: ['1.1.1.1', '1.0.0.1'] },
  { id: 'google', label: 'Google: 8.8.8.8, 8.8.4.4', servers: ['8.8.8.8', '8.8.4.4'] },
  { id: 'quad9', label: 'Quad9: 9.9.9.9, 149.112.112.112', servers: ['9.9.9.9', '149.112.112.112'] },
] as const;
const CUSTOM = 'custom';

const presetFor = (dns: string[]) => dnsPresets.find((p) => p.servers.join() === dns.join())?.id ?? CUSTOM;
const splitList = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

export function AddressesStep() {
  const { state, issues, updateConfig } = useWizard();
  const { config } = state;
  const { report } = useNicReport();
  // Other labs' addresses: one typed here that another lab uses is named with that lab (issue 23).
  const known = useCall('labs.addresses', {});
  const [dnsChoice, setDnsChoice] = useState<string>(() => presetFor(config.network.dns));
  const [customDns, setCustomDns] = useState(() => config.network.dns.join(', '));
  const [resetError, setResetError] = useState<ErrorInfo | null>(null);
  const [resetting, setResetting] = useState(false);

  const edit = (change: (draft: LabConfig) => void) =>
    updateConfig((current) => {
      const draft = structuredClone(current);
      change(draft);
      return draft;
    });

  const reset = async () => {
    setResetting(true);
    setResetError(null);
    const dns = defaultLabConfig().network.dns;
    const base = { ...config, network: { ...config.network, dns } };
    const envelope = await api.invoke('plan.suggest', { nic: config.network.nic, agents: config.agents.length, base });
    setResetting(false);
    if (!envelope.ok) return setResetError(envelope.error);
    updateConfig(() => envelope.value);
    setDnsChoice(presetFor(dns));
    setCustomDns(dns.join(', '));
  };

  if (!config.network.nic)
    return (
      <section aria-labelledby="addresses-title">
        <StepHeading id="addresses-title">Addresses</StepHeading>
        <div className="banner info">Pick a network interface on the Network step first: the addresses are planned on its LAN.</div>
      </section>
    );

  const subnet = parseCidr(config.network.subnet);
  const warnings = [
    ...(report ? networkWarnings(config, report) : []),
    ...addressIssues(config, known.value?.addresses ?? [], state.writtenDir ?? (state.dir || null)),
  ];
  const dnsError = issues.find((i) => i.path === 'network.dns' || i.path.startsWith('network.dns.'))?.message;
  const nextAddress = report ? suggestAddress(config, report) : null;

  return (
    <section aria-labelledby="addresses-title" className="addresses-step">
      <StepHeader
        id="addresses-title"
        title="Addresses"
        actions={
          <button type="button" onClick={() => void reset()} disabled={resetting}>
            {resetting ? 'Planning…' : 'Reset to suggestion'}
          </button>
        }
      >
        Static addresses for the lab on your LAN. Change anything; each field is checked as you type.
      </StepHeader>
      {resetError && <ErrorBanner error={resetError} title="Could not plan the addresses again" />}

      <dl className="facts plan-facts" aria-label="Network">
        <div>
          <dt>Interface</dt>
          <dd className="mono">{config.network.nic}</dd>
        </div>
        <div>
          <dt>Subnet</dt>
          <dd className="mono">{config.network.subnet}</dd>
        </div>
        <div>
          <dt>Usable range</dt>
          <dd className="mono">{subnet ? usableRangeText(subnet) : '—'}</dd>
        </div>
        <div>
          <dt>This computer</dt>
          <dd className="mono">{config.network.hostIp || '—'}</dd>
        </div>
      </dl>

      {warnings.length > 0 && (
        <div className="banner warn" role="status" aria-label="Warnings">
          <strong>Worth a second look</strong>
          <ul>
            {warnings.map((w) => (
              <li key={`${w.path}:${w.message}`}>{w.message}</li>
            ))}
          </ul>
        </div>
      )}

      <div className="addresses-grid">
        <div className="card form-card">
          <h3>Nodes</h3>
          <div className="node-row node-head" aria-hidden="true">
            <span>Role</span>
            <span>Name</span>
            <span>IP address</span>
            <span />
          </div>
          <div className="node-row">
            <span className="node-role">Server</span>
            <Field label="Server name" path="server.name" hideLabel>
              <input value={config.server.name} onChange={(e) => edit((d) => void (d.server.name = e.target.value))} spellCheck={false} />
            </Field>
            <Field label="Server IP" path="server.ip" hideLabel>
              <input
                value={config.server.ip}
                onChange={(e) => edit((d) => void (d.server.ip = e.target.value))}
                className="mono"
                spellCheck={false}
              />
            </Field>
            <span />
          </div>
          {config.agents.map((agent, i) => (
            <div className="node-row" key={i}>
              <span className="node-role">Agent {i + 1}</span>
              <Field label={`Agent ${i + 1} name`} path={`agents.${i}.name`} hideLabel>
                <input value={agent.name} onChange={(e) => edit((d) => void (d.agents[i]!.name = e.target.value))} spellCheck={false} />
              </Field>
              <Field label={`Agent ${i + 1} IP`} path={`agents.${i}.ip`} hideLabel>
                <input value={agent.ip} onChange={(e) => edit((d) => void (d.agents[i]!.ip = e.target.value))} className="mono" spellCheck={false} />
              </Field>
              <button
                type="button"
                className="link danger-link"
                aria-label={`Remove agent ${agent.name || i + 1}`}
                onClick={() => edit((d) => void d.agents.splice(i, 1))}
              >
                Remove
              </button>
            </div>
          ))}
          <div className="node-actions">
            <button
              type="button"
              disabled={config.agents.length >= MAX_AGENTS}
              onClick={() =>
                edit((d) => {
                  const used = new Set([d.server.name, ...d.agents.map((a) => a.name)].map((n) => n.toLowerCase()));
                  let n = d.agents.length + 1;
                  while (used.has(`agent${n}`)) n++;
                  d.agents.push({ name: `agent${n}`, ip: nextAddress ?? (subnet ? formatIPv4(subnet.firstUsable) : '') });
                })
              }
            >
              Add agent
            </button>
            <span className="muted small">
              {config.agents.length} of {MAX_AGENTS} agents{config.agents.length === 0 ? ': the server runs workloads alone' : ''}
            </span>
          </div>
        </div>

        <div className="card form-card">
          <h3>Route and DNS</h3>
          <Field
            label="Default route"
            path="network.gateway"
            help={
              report?.gateway
                ? `Your LAN router. This computer routes via ${report.gateway}.`
                : 'Your LAN router, usually the first address of the subnet.'
            }
          >
            <input
              value={config.network.gateway}
              onChange={(e) => edit((d) => void (d.network.gateway = e.target.value))}
              className="mono"
              spellCheck={false}
            />
          </Field>
          <Field label="DNS servers" help="External resolvers, not this computer's: Telepresence changes the host's DNS while it is connected.">
            <select
              value={dnsChoice}
              onChange={(e) => {
                setDnsChoice(e.target.value);
                const preset = dnsPresets.find((p) => p.id === e.target.value);
                if (preset) edit((d) => void (d.network.dns = [...preset.servers]));
                else edit((d) => void (d.network.dns = splitList(customDns)));
              }}
            >
              {dnsPresets.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
              <option value={CUSTOM}>Custom…</option>
            </select>
          </Field>
          {dnsChoice === CUSTOM && (
            <Field label="Custom DNS servers" error={dnsError} help="Up to 3 IPv4 addresses, separated by commas.">
              <input
                value={customDns}
                onChange={(e) => {
                  setCustomDns(e.target.value);
                  edit((d) => void (d.network.dns = splitList(e.target.value)));
                }}
                className="mono"
                spellCheck={false}
              />
            </Field>
          )}
          {dnsChoice !== CUSTOM && dnsError && <div className="field-error">{dnsError}</div>}
        </div>

        <div className="card form-card hosts-card">
          <h3>Reach the server by name</h3>
          <p className="muted small">
            So that <code>{config.server.name || 'the server'}</code> resolves on this computer, its hosts file needs this line:
          </p>
          <HostsLine
            name={config.server.name.trim()}
            ip={config.server.ip.trim()}
            valid={!issues.some((i) => i.path === 'server.ip' || i.path === 'server.name')}
          />
        </div>
      </div>
    </section>
  );
}
