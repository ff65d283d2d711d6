/**
 * After Destroy: the lab's cluster is gone, but the context a merge put in the user's kubeconfig
 * would point at it forever. Offered, never done unasked: only the entries Cluster Lab marked as this
 * lab's are removed (kubeconfig.remove), whatever their names.
 */
import { useState } from 'react';
import type { CallResult } from '../../shared/contract';
import type { ErrorInfo } from '../../shared/errors';
import { api } from '../api';
import { labCommand } from './CliCommands';
import { ErrorBanner } from './ErrorBanner';
import { Snippet } from './CopyButton';

export function KubeconfigForget({ dir, name }: { dir: string; name: string }) {
  const [removed, setRemoved] = useState<CallResult<'kubeconfig.remove'> | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const remove = async () => {
    const result = await api.invoke('kubeconfig.remove', { dir });
    if (result.ok) {
      setRemoved(result.value);
      setError(null);
    } else setError(result.error);
  };

  const names = removed ? [...new Set([...removed.removed.contexts, ...removed.removed.clusters, ...removed.removed.users])] : [];
  return (
    <section className="card" aria-labelledby="forget-kubeconfig-title">
      <h3 id="forget-kubeconfig-title" className="run-card-title">
        Your kubeconfig
      </h3>
      {removed ? (
        <p role="status">
          {names.length
            ? `Removed “${names.join('”, “')}” from ${removed.files.map((file) => file.path).join(', ')}. Current context: ${removed.currentContext ?? 'none'}.`
            : `Your kubeconfig held nothing of lab “${name}”.`}
        </p>
      ) : (
        <>
          <p className="muted small">
            If you merged lab “{name}” into your kubeconfig, its context now points at VMs that are gone. Cluster Lab removes only the entries it
            wrote for this lab folder.
          </p>
          <button type="button" onClick={() => void remove()}>
            Remove this lab from my kubeconfig
          </button>
          <Snippet text={labCommand('kubeconfig --remove', dir)} label="remove command" />
        </>
      )}
      {error && <ErrorBanner error={error} />}
    </section>
  );
}
