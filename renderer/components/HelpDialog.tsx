/**
 * Help and About for the page (Electron also has them in its Help menu): the tools' documentation,
 * the CLI, job-end notifications in browser mode, and diagnostics to paste into a bug report,
 * shown before they are copied so a person sees what leaves the machine.
 */
import { useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import { helpLinks } from '../../shared/helpLinks';
import { version } from '../../shared/version';
import { api } from '../api';
import { useLabDir } from '../useLabDir';
import { useNotifyChoice } from '../useJobNotifications';
import { Snippet } from './CopyButton';
import { ErrorBanner } from './ErrorBanner';
import { ModalPanel } from './ModalPanel';
import './HelpDialog.css';

export function HelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <ModalPanel open={open} onClose={onClose} labelledBy="help-title" width={860}>
      <HelpBody onClose={onClose} />
    </ModalPanel>
  );
}

function HelpBody({ onClose }: { onClose: () => void }) {
  const dir = useLabDir();
  const [diagnostics, setDiagnostics] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [collecting, setCollecting] = useState(false);
  const collect = async () => {
    setCollecting(true);
    setError(null);
    const result = await api.invoke('diagnostics.collect', dir ? { dir } : {});
    setCollecting(false);
    if (result.ok) setDiagnostics(result.value.text);
    else setError(result.error);
  };
  return (
    <div className="help-body">
      <div className="modal-head">
        <h2 id="help-title">Help and about Cluster Lab</h2>
        <button type="button" onClick={onClose} aria-label="Close Help">
          Close
        </button>
      </div>
      <p data-testid="about">
        <strong>Cluster Lab {version}</strong>, {window.lab ? 'the desktop app' : 'browser mode'}: a bridged Vagrant + VirtualBox + k3s lab, safe from
        Telepresence’s VIF recursion.
      </p>
      <div className="help-grid">
        <section aria-labelledby="help-docs-title">
          <h3 id="help-docs-title">Documentation</h3>
          <ul className="help-links">
            {helpLinks.map(({ label, url }) => (
              <li key={url}>
                <a href={url} target="_blank" rel="noopener noreferrer">
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="help-cli-title">
          <h3 id="help-cli-title">The command line</h3>
          <p>
            Every action here is also a <code>cluster-lab</code> command over the same services; the Run step shows each one beside its button.
          </p>
          <Snippet text="cluster-lab --help" label="CLI help command" />
          <NotifyControl />
        </section>
      </div>
      <section aria-labelledby="help-diagnostics-title">
        <h3 id="help-diagnostics-title">Troubleshooting</h3>
        <p>
          Diagnostics gather the versions, the doctor report and the last job’s log{dir ? ' of this lab' : ''}, with k3s tokens, kubeconfig keys and
          PEM blocks taken out. Read them, then copy them into a bug report.
        </p>
        <button type="button" onClick={() => void collect()} disabled={collecting}>
          {collecting ? 'Collecting…' : diagnostics ? 'Collect again' : 'Collect diagnostics'}
        </button>
        {error && <ErrorBanner error={error} />}
        {diagnostics && (
          // Scrolls as a whole, so the keyboard can scroll it too (focusable) and it has a name.
          <div className="help-diagnostics" tabIndex={0} role="region" aria-label="Diagnostics to copy">
            <Snippet text={diagnostics} label="diagnostics" />
          </div>
        )}
      </section>
    </div>
  );
}

/** Browser mode only: Electron notifies from main, and asks no permission. */
function NotifyControl() {
  const [state, choose] = useNotifyChoice();
  if (state === 'unsupported') return null;
  return (
    <div className="help-notify">
      <h3 id="help-notify-title">Notifications</h3>
      {state === 'blocked' ? (
        <p className="muted" data-testid="notify-state">
          This browser blocks notifications for this page: allow them in the site settings (the icon left of the address), then reopen Help.
        </p>
      ) : (
        <>
          <button type="button" aria-pressed={state === 'on'} aria-describedby="help-notify-note" onClick={() => void choose(state !== 'on')}>
            Notify me when jobs end
          </button>
          <p id="help-notify-note" className="muted small" data-testid="notify-state">
            {state === 'on'
              ? 'On: when a job ends while this page is in the background, a notification names the lab and the result.'
              : 'Off. The browser asks for permission when you turn it on.'}
          </p>
        </>
      )}
    </div>
  );
}
