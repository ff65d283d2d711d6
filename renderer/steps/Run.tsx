/**
 * Step 6: run the lab. One click brings it up (vagrant up, kubeconfig, registry, nodes Ready) or
 * down, with the live log, the node table and, once up, how to use the cluster. One job at a time;
 * a reloaded page reattaches to the running job and its log.
 */
import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { transferText } from '../../shared/bytes';
import type { ErrorInfo } from '../../shared/errors';
import type { JobInfo, JobKind, StepStatus } from '../../shared/jobs';
import { labMachines } from '../../shared/lab/machines';
import { api } from '../api';
import { formatDuration } from '../duration';
import { kindLabel } from '../jobWords';
import { useLabDir } from '../useLabDir';
import { useLabJob } from '../useLabJob';
import { useShellCapabilities } from '../useShellCapabilities';
import { AfterUpPanel } from '../components/AfterUpPanel';
import { RunCommands } from '../components/CliCommands';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DraftDiffers, useDraftDifferences } from '../components/DraftDiffers';
import { ErrorBanner } from '../components/ErrorBanner';
import { KubeconfigForget } from '../components/KubeconfigForget';
import { ForeignJobNote, PastJobs } from '../components/PastJobs';
import { LogView, type LogViewHandle } from '../components/LogView';
import { NodeTable } from '../components/NodeTable';
import { RichText } from '../components/RichText';
import { staleCheck } from '../../shared/staleCheck';
import { useWizard } from '../wizard';
import './Run.css';
import { StepHeader } from '../components/StepHeader';

const statusBadge: Record<JobInfo['status'], string> = { running: 'info', succeeded: 'ok', failed: 'fail', cancelled: 'warn' };
const machineBadge: Record<StepStatus, string> = {
  pending: 'quiet',
  running: 'info',
  succeeded: 'ok',
  failed: 'fail',
  cancelled: 'warn',
  skipped: 'quiet',
};
const stepMark: Record<string, string> = { pending: '○', running: '◐', succeeded: '●', failed: '✕', cancelled: '■', skipped: '–' };

export function RunStep() {
  const { update } = useWizard();
  const dir = useLabDir();
  const [pathInput, setPathInput] = useState(dir ?? '');
  const [openError, setOpenError] = useState<ErrorInfo | null>(null);
  const [confirmDestroy, setConfirmDestroy] = useState(false);
  const log = useRef<LogViewHandle>(null);
  const jobHeading = useRef<HTMLHeadingElement>(null);
  const live = useRef<HTMLDivElement>(null);
  const [focusJob, setFocusJob] = useState(false);
  const [labState, lab] = useLabJob(dir, log);
  const { config, job, jobs, pastJobs, status, actionError, refreshing, cancelling, check, checking } = labState;
  // Up and Provision run the folder's lab: never while the screen's draft says another.
  const differs = useDraftDifferences(config).length > 0;
  const upButton = useRef<HTMLButtonElement>(null);
  // Oldest first, as staleCheck reads them (job.history answers newest first).
  const stale = useMemo(
    () =>
      staleCheck(
        check,
        status,
        [...pastJobs, ...jobs].sort((a, b) => a.startedAt - b.startedAt),
      ),
    [check, status, pastJobs, jobs],
  );
  const shell = useShellCapabilities();

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
    setOpenError(null);
    update((s) => ({ ...s, opened: trimmed }));
  };

  const pick = async () => {
    const result = await api.invoke('dialog.pickFolder', { defaultPath: dir ?? undefined });
    if (result.ok && result.value.dir) {
      setPathInput(result.value.dir);
      openFolder(result.value.dir);
    }
  };

  const start = (kind: JobKind) => {
    setConfirmDestroy(false);
    // The button pressed is disabled while the job runs: the focus goes to the job it started.
    setFocusJob(true);
    void lab.start(kind);
  };
  useEffect(() => {
    if (focusJob && job) {
      jobHeading.current?.focus();
      setFocusJob(false);
    }
  }, [focusJob, job]);

  const running = job?.status === 'running';
  useFillViewport(live, running);
  const ready = Boolean(dir && config);
  const machines = config ? labMachines(config).map((m) => m.machine) : [];
  const anyRunning = status?.nodes.some((n) => n.vagrantState === 'running') ?? false;

  return (
    <section aria-labelledby="run-title" className="run-step">
      <StepHeader id="run-title" title="Run the lab">
        Up builds and boots the VMs, writes the kubeconfig and waits until every node is Ready; Down stops them.
      </StepHeader>

      <div className="card run-folder">
        {!running && (
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
              {shell.pickFolder && (
                <button type="button" onClick={() => void pick()}>
                  Choose…
                </button>
              )}
              <button type="button" onClick={() => openFolder(pathInput)}>
                Open
              </button>
            </span>
            <span className="field-help">
              The folder the Review step (or <code>cluster-lab render</code>) wrote, with lab.json and the Vagrantfile.
            </span>
          </label>
        )}
        {dir && config && (
          <p className={running ? 'run-current running' : 'run-current'}>
            Lab <strong>{config.name}</strong> in <span className="mono">{dir}</span>: server {config.server.name} ({config.server.ip}) and{' '}
            {config.agents.length} agent{config.agents.length === 1 ? '' : 's'}.
          </p>
        )}
        {!dir && <p className="banner info">No lab folder yet: write the lab on the Review step, or open a folder written earlier.</p>}
        {(openError ?? labState.openError) && <ErrorBanner error={(openError ?? labState.openError)!} title="This folder cannot be run" />}
      </div>

      {dir && config && !running && (
        <DraftDiffers
          dir={dir}
          folder={config}
          onSettled={(written) => {
            if (written) void lab.reloadConfig().then(() => upButton.current?.focus());
            else upButton.current?.focus();
          }}
        />
      )}
      <div className="run-actions" role="toolbar" aria-label="Lab actions">
        <button
          type="button"
          className="primary"
          ref={upButton}
          onClick={() => start('up')}
          disabled={!ready || running || differs}
          title="vagrant up, kubeconfig, registry, wait for Ready"
        >
          Up
        </button>
        <button type="button" onClick={() => start('down')} disabled={!ready || running} title="vagrant halt: the VMs stop, their disks stay">
          Down
        </button>
        <button
          type="button"
          onClick={() => start('provision')}
          disabled={!ready || running || differs}
          title="vagrant provision: re-run the install scripts"
        >
          Provision
        </button>
        <button type="button" className="danger" onClick={() => setConfirmDestroy(true)} disabled={!ready || running}>
          Destroy…
        </button>
        <button
          type="button"
          onClick={() => start('route-controller')}
          disabled={!ready || running || !anyRunning}
          title="telepresence helm install (or upgrade) with routeController.enabled=true, against this lab's kubeconfig (Telepresence 2.27 or later)"
        >
          Install route controller
        </button>
        <span className="run-spacer" />
        <button
          type="button"
          onClick={() => void lab.cancel()}
          disabled={!running || cancelling || Boolean(job?.owner)}
          title={
            job?.owner
              ? `It runs in ${job.owner.description}: press Ctrl-C in its terminal to cancel it`
              : 'One job at a time per lab: Vagrant gets Ctrl-C and cleans up first'
          }
        >
          {cancelling ? 'Cancelling…' : 'Cancel job'}
        </button>
        <button
          type="button"
          onClick={() => void lab.runCheck()}
          disabled={!ready || running || checking || !anyRunning}
          title="Ask every running VM whether it can loop back into the Telepresence VIF"
        >
          {checking ? 'Checking…' : 'Check lab'}
        </button>
        <button type="button" onClick={() => void lab.refresh()} disabled={!ready || refreshing}>
          {refreshing ? 'Refreshing…' : 'Refresh status'}
        </button>
      </div>
      {dir && config && <RunCommands dir={dir} />}
      {confirmDestroy && config && (
        <ConfirmDialog
          label="Confirm destroy"
          tone="error"
          onCancel={() => setConfirmDestroy(false)}
          actions={
            <>
              <button type="button" data-autofocus onClick={() => setConfirmDestroy(false)}>
                Keep them
              </button>
              <button type="button" className="danger" onClick={() => start('destroy')}>
                Destroy {machines.length} VMs
              </button>
            </>
          }
        >
          <strong>
            Destroy the {machines.length} VMs of lab “{config.name}”?
          </strong>
          <p>
            This deletes the VMs {machines.join(', ')}, their disks, and everything in the cluster (workloads, volumes, images in the registry). The
            lab folder and its files stay; Up builds the VMs again from scratch.
          </p>
        </ConfirmDialog>
      )}
      {actionError && <ErrorBanner error={actionError} />}

      {/* The job beside its log; while it runs, as tall as the window allows: what runs stays in view. Once it
          has ended, the nodes and how to use the cluster come up closer. */}
      <div className={job ? (running ? 'run-live filling' : 'run-live') : 'run-live idle'} ref={live}>
        {job && <JobCard job={job} heading={jobHeading} />}
        <LogView ref={log} nodes={machines} logFile={job?.logFile ?? null} jobId={job?.id ?? null} refill={lab.refill} />
      </div>

      <div className="run-grid">
        <div className="card">
          <h3 className="run-card-title">Nodes</h3>
          {dir && config ? (
            <NodeTable status={status} activity={running ? machineActivity(job) : undefined} check={check} stale={stale} />
          ) : (
            <p className="muted">Open a lab folder to see its VMs.</p>
          )}
          {status?.error && <p className="field-error">{status.error}</p>}
        </div>
      </div>

      {dir && config && status?.kubeconfigPath && anyRunning && !running && (
        <AfterUpPanel dir={dir} config={config} kubeconfigPath={status.kubeconfigPath} />
      )}
      {dir && config && job?.kind === 'destroy' && job.status === 'succeeded' && <KubeconfigForget key={job.id} dir={dir} name={config.name} />}
      {dir && config && <PastJobs dir={dir} nodes={machines} current={job} />}
    </section>
  );
}

/** What the running job is doing to each machine, from the step that works on several: for the node table. */
function machineActivity(job: JobInfo): Record<string, string> {
  const activity: Record<string, string> = {};
  for (const step of job.steps)
    if (step.status === 'running') for (const m of step.machines ?? []) activity[m.machine] = `${kindLabel[job.kind]}: ${m.status}`;
  return activity;
}

/** Now, once a second while `ticking`: for a clock that counts. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

/**
 * Sizes `ref` to the window's height below its top, above the sticky Back/Next bar (never below
 * `min`), so the job and its log fill the screen instead of running below the fold.
 */
function useFillViewport(ref: RefObject<HTMLElement | null>, active: boolean, min = 240): void {
  useEffect(() => {
    const node = ref.current;
    if (!node) return;
    if (!active) {
      node.style.height = '';
      return;
    }
    const fit = () => {
      const top = node.getBoundingClientRect().top + window.scrollY;
      const bar = document.querySelector('.navbar')?.getBoundingClientRect().height ?? 0;
      node.style.height = `${Math.max(min, Math.floor(window.innerHeight - top - bar - 12))}px`;
    };
    fit();
    const above = new ResizeObserver(fit);
    // What sits above the live area (the folder card, the toolbar, a banner) moves it when it changes.
    for (let sibling = node.previousElementSibling; sibling; sibling = sibling.previousElementSibling) above.observe(sibling);
    window.addEventListener('resize', fit);
    return () => {
      above.disconnect();
      window.removeEventListener('resize', fit);
    };
  }, [ref, active, min]);
}

function JobCard({ job, heading }: { job: JobInfo; heading: RefObject<HTMLHeadingElement | null> }) {
  const running = job.status === 'running';
  const now = useNow(running);
  const ended = job.endedAt ? new Date(job.endedAt).toLocaleTimeString() : null;
  return (
    // Focusable: on a short window the card scrolls, and a keyboard must reach what is below.
    <section className="card run-job" aria-label="Job" data-job-status={job.status} tabIndex={0}>
      <h3 className="run-card-title" ref={heading} tabIndex={-1}>
        {kindLabel[job.kind]} <span className={`badge ${statusBadge[job.status]}`}>{job.status}</span>
      </h3>
      <ForeignJobNote job={job} />
      <p className="run-times">
        <span className="run-elapsed" data-elapsed="">
          {running ? `Running for ${formatDuration(now - job.startedAt)}` : `Took ${formatDuration((job.endedAt ?? now) - job.startedAt)}`}
        </span>{' '}
        <span className="muted small">
          started {new Date(job.startedAt).toLocaleTimeString()}
          {ended ? `, ended ${ended}` : ''}
          {job.exitCode !== null ? `, exit code ${job.exitCode}` : ''}
        </span>
      </p>
      <ol className="run-steps" aria-label="Steps">
        {job.steps.map((step) => (
          <li key={step.id} data-status={step.status} className={`run-step-${step.status}`}>
            <span aria-hidden="true">{stepMark[step.status]}</span> {step.label}
            {/* The mark and the colour say it on screen; a screen reader hears the word. */}
            <span className="visually-hidden"> {step.status}</span>
            {step.status === 'running' && step.transfer && (
              <div className="run-step-transfer">
                {/* No total (the server sent no length): a bar that says "busy", not a made-up share. */}
                <progress
                  aria-label={`Downloading ${step.transfer.file}`}
                  aria-describedby={`transfer-${step.id}`}
                  max={step.transfer.total ?? undefined}
                  value={step.transfer.total === null ? undefined : step.transfer.bytes}
                />
                <span className="muted small" id={`transfer-${step.id}`} data-transfer="">
                  {transferText(step.transfer)}
                </span>
              </div>
            )}
            {step.machines && step.machines.length > 0 && (
              <ul className="run-step-machines" aria-label={`Machines of “${step.label}”`}>
                {step.machines.map((m) => (
                  <li key={m.machine} data-machine={m.machine} data-status={m.status} className={`badge ${machineBadge[m.status]}`}>
                    {m.machine} {m.status}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
      {job.failure && (
        <div className="banner error" role="alert" aria-label="Job failure">
          <strong>
            {job.failure.machine ? `Failed on ${job.failure.machine}` : 'Failed'}
            {job.failure.step ? ` at “${job.failure.step}”` : ''}
          </strong>
          <div>
            <RichText text={job.failure.message} />
          </div>
          {job.failure.hint && (
            <div className="hint">
              <RichText text={job.failure.hint} />
            </div>
          )}
          {job.failure.lastLines.length > 0 && (
            <pre className="run-error-lines mono" role="group" aria-label="Last error lines">
              {job.failure.lastLines.join('\n')}
            </pre>
          )}
        </div>
      )}
    </section>
  );
}
