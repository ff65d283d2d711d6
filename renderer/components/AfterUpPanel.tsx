/** What a person needs once the lab is up: the kubeconfig, the hosts line, the registry and a merge into their own kubeconfig. */
import { useState } from 'react';
import type { CallResult } from '../../shared/contract';
import type { ErrorInfo } from '../../shared/errors';
import type { LabConfig } from '../../shared/lab/schema';
import { registryHost } from '../../shared/render/registries';
import { api } from '../api';
import { labCommand } from './CliCommands';
import { ConfirmDialog } from './ConfirmDialog';
import { Snippet } from './CopyButton';
import { ErrorBanner } from './ErrorBanner';
import { HostsLine } from './HostsLine';
import './AfterUpPanel.css';

export function AfterUpPanel({ dir, config, kubeconfigPath }: { dir: string; config: LabConfig; kubeconfigPath: string }) {
  const registry = registryHost(config);
  const [setCurrent, setSetCurrent] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [merged, setMerged] = useState<CallResult<'kubeconfig.merge'> | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const merge = async () => {
    setConfirming(false);
    const result = await api.invoke('kubeconfig.merge', { dir, setCurrent });
    if (result.ok) {
      setMerged(result.value);
      setError(null);
    } else setError(result.error);
  };

  return (
    <section className="card after-up" aria-labelledby="after-up-title">
      <h3 id="after-up-title">Use the cluster</h3>
      <div className="after-up-grid">
        <div>
          <h4>kubeconfig</h4>
          <Snippet label="kubeconfig path" text={kubeconfigPath} />
          <Snippet label="export KUBECONFIG line" text={`export KUBECONFIG=${kubeconfigPath}`} />
        </div>
        <div>
          <h4>Hosts file</h4>
          <p className="muted small">So this computer reaches the server and its registry by name:</p>
          <HostsLine name={config.server.name} ip={config.server.ip} valid />
        </div>
        {config.registry.enabled && (
          <div>
            <h4>Registry</h4>
            <p className="muted small">
              Docker pushes over plain HTTP only to registries it is told about: add this to <span className="mono">/etc/docker/daemon.json</span>{' '}
              (Docker Desktop: Settings → Docker Engine) and restart Docker.
            </p>
            <Snippet label="Docker insecure-registries snippet" text={JSON.stringify({ 'insecure-registries': [registry] }, null, 2)} />
            <Snippet label="docker push example" text={`docker tag myapp:latest ${registry}/myapp:latest\ndocker push ${registry}/myapp:latest`} />
          </div>
        )}
        <div>
          <h4>Your kubeconfig</h4>
          <p className="muted small">
            Adds only the context “{config.name}” to your kubeconfig (the first file in KUBECONFIG, else ~/.kube/config), after a backup. Your other
            contexts stay, and an entry of yours with that name is never replaced.
          </p>
          <label className="check">
            <input type="checkbox" checked={setCurrent} onChange={(event) => setSetCurrent(event.target.checked)} /> Also make “{config.name}” the
            current context
          </label>
          <button type="button" onClick={() => setConfirming(true)}>
            Merge into my kubeconfig
          </button>
          <Snippet text={labCommand(`kubeconfig --merge${setCurrent ? ' --set-current' : ''}`, dir)} label="merge command" />
          {confirming && (
            <ConfirmDialog
              label="Confirm the merge"
              tone="warn"
              onCancel={() => setConfirming(false)}
              actions={
                <>
                  <button type="button" data-autofocus onClick={() => setConfirming(false)}>
                    Not now
                  </button>
                  <button type="button" className="primary" onClick={() => void merge()}>
                    Merge now
                  </button>
                </>
              }
            >
              <strong>Add the context “{config.name}” to your kubeconfig?</strong>
              <p>
                {setCurrent ? (
                  <>Your current context will change to “{config.name}”: kubectl commands without --context will go to this lab.</>
                ) : (
                  <>
                    Your current context stays as it is (a kubeconfig without one gets “{config.name}”); use{' '}
                    <code>kubectl --context {config.name}</code> (or <code>kubectl config use-context</code>) to reach this lab.
                  </>
                )}
              </p>
            </ConfirmDialog>
          )}
          {merged && (
            <div className="banner info" role="status">
              Added context “{merged.context}” to <span className="mono">{merged.path}</span>.{' '}
              {merged.backupPath ? (
                <>
                  Backup: <span className="mono">{merged.backupPath}</span>.{' '}
                </>
              ) : null}
              Current context: {merged.currentContext ?? 'none'}.
            </div>
          )}
          {error && <ErrorBanner error={error} />}
        </div>
      </div>
    </section>
  );
}
