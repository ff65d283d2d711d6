/**
 * Step 6: run the lab. One click brings it up (vagrant up, kubeconfig, registry, nodes Ready) or
 * down, with the live log, the node table and, once up, how to use the cluster. One job at a time;
 * a reloaded page reattaches to the running job and its log.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import type { JobInfo, JobKind, LabStatus } from '../../shared/jobs';
import type { LabConfig } from '../../shared/lab/schema';
import { labMachines } from '../../shared/lab/machines';
import { api, inElectron } from '../api';
import { AfterUpPanel } from '../components/AfterUpPanel';
import { ErrorBanner } from '../components/ErrorBanner';
import { LogView, type LogViewHandle } from '../components/LogView';
import { NodeTable } from '../components/NodeTable';
import { useWizard } from '../wizard';
import './Run.css';
import { StepHeader } from '../components/StepHeader';

const openedKey = 'cluster-lab.run.dir';
const sameDir = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.replace(/[\\/]+$/, '') === b.replace(/[\\/]+$/, '');

const kindLabel: Record<JobKind, string> = { up: 'Up', down: 'Down', destroy: 'Destroy', provision: 'Provision', status: 'Status' };
const statusBadge: Record<JobInfo['status'], string> = { running: 'info', succeeded: 'ok', failed: 'fail', cancelled: 'warn' };
const stepMark: Record<string, string> = { pending: '○', running: '◐', succeeded: '●', failed: '✕', cancelled: '■', skipped: '–' };

export function RunStep() {
  const { state } = useWizard();
  const [opened, setOpened] = useState<string | null>(() => sessionStorage.getItem(openedKey));
  const dir = opened ?? state.writtenDir;
  const [pathInput, setPathInput] = useState(dir ?? '');
  const [config, setConfig] = useState<LabConfig | null>(null);
  const [openError, setOpenError] = useState<ErrorInfo | null>(null);
  const [job, setJob] = useState<JobInfo | null>(null);
  const [status, setStatus] = useState<LabStatus | null>(null);
  const [actionError, setActionError] = useState<ErrorInfo | null>(null);
  const [confirmDestroy, setConfirmDestroy] = useState(false);
  const [refreshing, setRefreshing] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const log = useRef<LogViewHandle>(null);
  const jobRef = useRef<JobInfo | null>(null);
  const dirRef = useRef(dir);
  dirRef.current = dir;

  /** A job this view has not shown yet: a fresh log. */
  const follow = useCallback((info: JobInfo) => {
    if (jobRef.current?.id !== info.id) log.current?.reset();
    jobRef.current = info;
    setJob(info);
    if (info.status !== 'running') setCancelling(false);
  }, []);

  const refresh = useCallback(async () => {
    const target = dirRef.current;
    if (!target) return;
    setRefreshing(true);
    const result = await api.invoke('lab.status', { dir: target });
    setRefreshing(false);
    if (!sameDir(target, dirRef.current)) return;
    if (result.ok) setStatus(result.value);
    else setActionError(result.error);
  }, []);

  useEffect(() => {
    const offs = [
      api.on('job.update', (info) => {
        if (info.id === jobRef.current?.id || sameDir(info.dir, dirRef.current)) follow(info);
      }),
      api.on('job.log', (batch) => {
        if (batch.jobId === jobRef.current?.id) log.current?.append(batch.lines, batch.total);
      }),
      api.on('lab.status', (next) => {
        if (sameDir(next.dir, dirRef.current)) setStatus(next);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [follow]);

  useEffect(() => {
    if (!dir) return;
    let live = true;
    setStatus(null);
    setJob(null);
    jobRef.current = null;
    log.current?.reset();
    void api.invoke('lab.open', { dir }).then((result) => {
      if (!live) return;
      setConfig(result.ok ? result.value : null);
      setOpenError(result.ok ? null : result.error);
      if (result.ok) void refresh();
    });
    void api.invoke('job.attach', { dir }).then((result) => {
      if (!live || !result.ok || !result.value.job) return;
      const { job: attached, tail } = result.value;
      follow(attached);
      log.current?.append(tail, Math.max(attached.lineCount, (tail.at(-1)?.seq ?? -1) + 1));
    });
    return () => {
      live = false;
    };
  }, [dir, follow, refresh]);

  const openFolder = (target: string) => {
    const trimmed = target.trim();
    if (!trimmed) {
      setOpenError({
        code: 'invalid_input',
        message: 'Lab folder: type the path of a folder that has a lab.json.',
        hint: 'For example the folder the Review step wrote.',
      });
      return;
    }
    sessionStorage.setItem(openedKey, trimmed);
    setOpened(trimmed);
  };

  const pick = async () => {
    const result = await api.invoke('dialog.pickFolder', { defaultPath: dir ?? undefined });
    if (result.ok && result.value.dir) {
      setPathInput(result.value.dir);
      openFolder(result.value.dir);
    }
  };

  const refillLog = useCallback(async () => {
    const target = dirRef.current;
    const current = jobRef.current;
    if (!target || !current) return null;
    const result = await api.invoke('job.attach', { dir: target });
    return result.ok && result.value.job?.id === current.id ? result.value.tail : null;
  }, []);

  const start = async (kind: JobKind) => {
    if (!dir) return;
    setConfirmDestroy(false);
    setActionError(null);
    const result = await api.invoke('job.start', { dir, kind });
    if (result.ok) follow(result.value);
    else setActionError(result.error);
  };

  const cancel = async () => {
    if (!job) return;
    setCancelling(true);
    const result = await api.invoke('job.cancel', { jobId: job.id });
    if (!result.ok) setActionError(result.error);
  };

  const running = job?.status === 'running';
  const ready = Boolean(dir && config);
  const machines = config ? labMachines(config).map((m) => m.machine) : [];
  const anyRunning = status?.nodes.some((n) => n.vagrantState === 'running') ?? false;

  return (
    <section aria-labelledby="run-title" className="run-step">
      <StepHeader id="run-title" title="Run the lab">
        Up creates, boots and provisions the VMs, writes the kubeconfig and waits until every node is Ready. Down stops them.
      </StepHeader>

      <div className="card run-folder">
        <label className="field" htmlFor="run-folder-input">
          <span>Open an existing lab folder</span>
          <span className="run-folder-row">
            <input
              id="run-folder-input"
              className="mono"
              value={pathInput}
              placeholder="/home/you/cluster-lab"
              onChange={(event) => setPathInput(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') openFolder(pathInput);
              }}
            />
            {inElectron && (
              <button type="button" onClick={() => void pick()}>
                Choose…
              </button>
            )}
            <button type="button" onClick={() => openFolder(pathInput)} disabled={running}>
              Open
            </button>
          </span>
          <span className="field-help">The folder the Review step (or `cluster-lab render`) wrote, with lab.json and the Vagrantfile.</span>
        </label>
        {dir && config && (
          <p className="run-current">
            Lab <strong>{config.name}</strong> in <span className="mono">{dir}</span>: server {config.server.name} ({config.server.ip}) and{' '}
            {config.agents.length} agent{config.agents.length === 1 ? '' : 's'}.
          </p>
        )}
        {!dir && <p className="banner info">No lab folder yet: write the lab on the Review step, or open a folder written earlier.</p>}
        {openError && <ErrorBanner error={openError} title="This folder cannot be run" />}
      </div>

      <div className="run-actions" role="toolbar" aria-label="Lab actions">
        <button
          type="button"
          className="primary"
          onClick={() => void start('up')}
          disabled={!ready || running}
          title="vagrant up, kubeconfig, registry, wait for Ready"
        >
          Up
        </button>
        <button type="button" onClick={() => void start('down')} disabled={!ready || running} title="vagrant halt: the VMs stop, their disks stay">
          Down
        </button>
        <button
          type="button"
          onClick={() => void start('provision')}
          disabled={!ready || running}
          title="vagrant provision: re-run the install scripts"
        >
          Provision
        </button>
        <button type="button" className="danger" onClick={() => setConfirmDestroy(true)} disabled={!ready || running}>
          Destroy…
        </button>
        <span className="run-spacer" />
        <button type="button" onClick={() => void cancel()} disabled={!running || cancelling}>
          {cancelling ? 'Cancelling…' : 'Cancel job'}
        </button>
        <button type="button" onClick={() => void refresh()} disabled={!ready || refreshing}>
          {refreshing ? 'Refreshing…' : 'Refresh status'}
        </button>
      </div>
      {running && (
        <p className="muted small" role="status">
          {kindLabel[job.kind]} is running: one job at a time per lab. Wait for it, or cancel it (Vagrant gets Ctrl-C and cleans up first).
        </p>
      )}
      {confirmDestroy && config && (
        <div className="banner error" role="alertdialog" aria-label="Confirm destroy">
          <strong>
            Destroy the {machines.length} VMs of lab “{config.name}”?
          </strong>
          <div>
            This deletes the VMs {machines.join(', ')}, their disks, and everything in the cluster (workloads, volumes, images in the registry). The
            lab folder and its files stay; Up builds the VMs again from scratch.
          </div>
          <div className="run-confirm-buttons">
            <button type="button" className="danger" onClick={() => void start('destroy')}>
              Destroy {machines.length} VMs
            </button>
            <button type="button" onClick={() => setConfirmDestroy(false)}>
              Keep them
            </button>
          </div>
        </div>
      )}
      {actionError && <ErrorBanner error={actionError} />}

      <div className="run-grid">
        {job && <JobCard job={job} />}
        <div className="card">
          <h3 className="run-card-title">Nodes</h3>
          {dir && config ? <NodeTable status={status} /> : <p className="muted">Open a lab folder to see its VMs.</p>}
          {status?.error && <p className="field-error">{status.error}</p>}
        </div>
      </div>

      {dir && config && status?.kubeconfigPath && anyRunning && !running && (
        <AfterUpPanel dir={dir} config={config} kubeconfigPath={status.kubeconfigPath} />
      )}

      <LogView ref={log} nodes={machines} logFile={job?.logFile ?? null} jobId={job?.id ?? null} refill={refillLog} />
    </section>
  );
}

function JobCard({ job }: { job: JobInfo }) {
  const ended = job.endedAt ? new Date(job.endedAt).toLocaleTimeString() : null;
  return (
    <div className="card run-job" aria-label="Job" data-job-status={job.status}>
      <h3 className="run-card-title">
        {kindLabel[job.kind]} <span className={`badge ${statusBadge[job.status]}`}>{job.status}</span>
      </h3>
      <p className="muted small">
        Started {new Date(job.startedAt).toLocaleTimeString()}
        {ended ? `, ended ${ended}` : ''}
        {job.exitCode !== null ? `, exit code ${job.exitCode}` : ''}
      </p>
      <ol className="run-steps" aria-label="Steps">
        {job.steps.map((step) => (
          <li key={step.id} data-status={step.status} className={`run-step-${step.status}`}>
            <span aria-hidden="true">{stepMark[step.status]}</span> {step.label}
            <span className="muted small"> {step.status}</span>
          </li>
        ))}
      </ol>
      {job.failure && (
        <div className="banner error" role="alert" aria-label="Job failure">
          <strong>
            {job.failure.machine ? `Failed on ${job.failure.machine}` : 'Failed'}
            {job.failure.step ? ` at “${job.failure.step}”` : ''}
          </strong>
          <div>{job.failure.message}</div>
          {job.failure.hint && <div className="hint">{job.failure.hint}</div>}
          {job.failure.lastLines.length > 0 && (
            <pre className="run-error-lines mono" aria-label="Last error lines">
              {job.failure.lastLines.join('\n')}
            </pre>
          )}
        </div>
      )}
    </div>
  );
}
