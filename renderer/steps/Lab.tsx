/** Step 4: what each VM is made of (memory, CPUs, box), which k3s, and the lab's extras. */
import { useState } from 'react';
import { hostFit } from '../../shared/lab/fit';
import { DEFAULT_BOX, DEFAULT_CPUS, DEFAULT_MEMORY_MB, type LabConfig } from '../../shared/lab/schema';
import { serverNameFor } from '../../shared/labs';
import { registryHost } from '../../shared/render/registries';
import { Field } from '../components/Field';
import { useCall } from '../useCall';
import { useWizard } from '../wizard';
import './Lab.css';
import { StepHeader } from '../components/StepHeader';

const boxSuggestions = [DEFAULT_BOX, 'bento/ubuntu-22.04', 'bento/debian-12'];
const channels = ['stable', 'latest', 'testing'];
const k3sSources: { label: string; start: LabConfig['k3s'] }[] = [
  { label: 'Follow a release channel', start: { source: 'channel', value: 'stable' } },
  { label: 'Pin a version (the same k3s on every rebuild)', start: { source: 'version', value: '' } },
];

/** A whole-number input whose text may be half-typed: the lab holds a number only when it is one. */
function NumberField({
  label,
  path,
  value,
  unit,
  onChange,
}: {
  label: string;
  path: string;
  value: number;
  unit: string;
  onChange: (n: number) => void;
}) {
  const [text, setText] = useState(() => (Number.isFinite(value) ? String(value) : ''));
  const readable = /^\d+$/.test(text.trim());
  return (
    <Field
      label={label}
      path={readable ? path : undefined}
      error={readable ? undefined : `${label} must be a whole number${unit ? ` of ${unit}` : ''}.`}
    >
      <input
        inputMode="numeric"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          onChange(/^\d+$/.test(e.target.value.trim()) ? Number(e.target.value) : Number.NaN);
        }}
      />
    </Field>
  );
}

export function LabStep() {
  const { state, updateConfig } = useWizard();
  const { config } = state;
  const facts = useCall('host.facts', {});
  const edit = (change: (draft: LabConfig) => void) =>
    updateConfig((current) => {
      const draft = structuredClone(current);
      change(draft);
      return draft;
    });
  const notes = facts.value ? hostFit(config, facts.value.host) : [];
  const nodes = 1 + config.agents.length;

  return (
    <section aria-labelledby="lab-title" className="lab-step">
      <StepHeader id="lab-title" title="Lab">
        Every node ({nodes} VM{nodes === 1 ? '' : 's'}: the server and {config.agents.length} agent{config.agents.length === 1 ? '' : 's'}) gets the
        same size and box.
      </StepHeader>

      {notes.length > 0 && (
        <div className={`banner ${notes.some((n) => n.level === 'warn') ? 'warn' : 'info'}`} role="status" aria-label="Host fit">
          <strong>{notes.some((n) => n.level === 'warn') ? 'This lab may not fit this computer' : 'Worth knowing'}</strong>
          <ul>
            {notes.map((note) => (
              <li key={note.path + note.level}>{note.message}</li>
            ))}
          </ul>
        </div>
      )}

      <div className="lab-grid">
        <div className="card form-card">
          <h3>Each VM</h3>
          <div className="lab-pair">
            <NumberField
              label="Memory per VM (MB)"
              path="vm.memoryMb"
              unit="MB"
              value={config.vm.memoryMb}
              onChange={(n) => edit((d) => void (d.vm.memoryMb = n))}
            />
            <NumberField label="vCPUs per VM" path="vm.cpus" unit="" value={config.vm.cpus} onChange={(n) => edit((d) => void (d.vm.cpus = n))} />
          </div>
          {facts.value && (
            <p className="muted small" role="note" aria-label="Host size">
              This computer: {(facts.value.host.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB memory, {facts.value.host.cpus} CPUs. The lab asks for{' '}
              {Number.isFinite(config.vm.memoryMb) ? `${((nodes * config.vm.memoryMb) / 1024).toFixed(1)} GiB` : '—'} and{' '}
              {Number.isFinite(config.vm.cpus) ? nodes * config.vm.cpus : '—'} vCPUs. The seed uses {DEFAULT_MEMORY_MB} MB and {DEFAULT_CPUS} vCPUs.
            </p>
          )}
          <Field
            label="Vagrant box"
            path="vm.box"
            help={
              <>
                A box name, an https:// URL of a <code>.box</code> file, or the path of one on this computer. The default, {DEFAULT_BOX}, is Ubuntu
                24.04 LTS built for VirtualBox by the Bento project.
              </>
            }
          >
            <input
              list="box-suggestions"
              value={config.vm.box}
              onChange={(e) => edit((d) => void (d.vm.box = e.target.value))}
              spellCheck={false}
              className="mono"
            />
          </Field>
          <datalist id="box-suggestions">
            {boxSuggestions.map((box) => (
              <option key={box} value={box} />
            ))}
          </datalist>
          <label className="check">
            <input type="checkbox" checked={config.vm.linkedClone} onChange={(e) => edit((d) => void (d.vm.linkedClone = e.target.checked))} />
            Linked clones
            <span className="field-help">Each VM starts as a thin copy of the box: faster to create and much smaller on disk.</span>
          </label>
          <label className="check">
            <input type="checkbox" checked={config.vm.parallel} onChange={(e) => edit((d) => void (d.vm.parallel = e.target.checked))} />
            Agents side by side
            <span className="field-help">
              Up brings the server up first, then every agent at once: the lab is ready in the time of its two slowest VMs. Off: one after another,
              for a computer with few CPUs.
            </span>
          </label>
        </div>

        <div className="card form-card">
          <h3>k3s</h3>
          <fieldset className="k3s-source">
            <legend className="visually-hidden">Which k3s</legend>
            {k3sSources.map((option) => (
              <label className="check" key={option.start.source}>
                <input
                  type="radio"
                  name="k3s-source"
                  checked={config.k3s.source === option.start.source}
                  onChange={() => edit((d) => void (d.k3s = { ...option.start }))}
                />
                {option.label}
              </label>
            ))}
          </fieldset>
          {config.k3s.source === 'channel' ? (
            <Field
              label="k3s channel"
              path="k3s.value"
              help={
                config.k3s.version
                  ? `${config.k3s.value} → ${config.k3s.version}: every node installs this release, kept when the lab is written again; choose another channel to look it up again.`
                  : 'stable, latest, testing, or a minor version such as v1.33. Looked up when the lab is written: every node installs the release it points at then.'
              }
            >
              <input
                list="k3s-channels"
                value={config.k3s.value}
                // Another channel is looked up again: the release the last one pointed at goes.
                onChange={(e) => edit((d) => void (d.k3s = { source: 'channel', value: e.target.value }))}
                className="mono"
              />
            </Field>
          ) : (
            <Field
              label="k3s version"
              path="k3s.value"
              help="A release such as v1.33.5+k3s1 (see github.com/k3s-io/k3s/releases). Up fetches it once; every node installs it from the lab's shared folder."
            >
              <input
                value={config.k3s.value}
                placeholder="v1.33.5+k3s1"
                onChange={(e) => edit((d) => void (d.k3s.value = e.target.value))}
                className="mono"
                spellCheck={false}
              />
            </Field>
          )}
          <datalist id="k3s-channels">
            {channels.map((channel) => (
              <option key={channel} value={channel} />
            ))}
          </datalist>

          <h3>Extras</h3>
          <label className="check">
            <input type="checkbox" checked={config.registry.enabled} onChange={(e) => edit((d) => void (d.registry.enabled = e.target.checked))} />
            In-cluster registry
            <span className="field-help">
              A registry on the server at {config.server.name ? registryHost(config) : 'the server:5000'} that every node pulls from, so images are
              pushed once instead of downloaded per node.
            </span>
          </label>
          <Field
            label="Lab name"
            path="name"
            help="Lower-case letters, digits and hyphens; it names the default lab folder, the kubeconfig context and the server (NAME-server), unless the server was given a name of its own on Addresses."
          >
            <input
              value={config.name}
              onChange={(e) =>
                edit((d) => {
                  // A server still named after the lab follows a rename; one the user named stays.
                  if (d.server.name.trim() === serverNameFor(d.name.trim())) d.server.name = serverNameFor(e.target.value.trim());
                  d.name = e.target.value;
                })
              }
              spellCheck={false}
            />
          </Field>
        </div>
      </div>
    </section>
  );
}
