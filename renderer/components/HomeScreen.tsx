/**
 * "Your labs": every lab Cluster Lab wrote or opened and every lab in ~/ClusterLab, one card each,
 * with its machines, its last job, its check and a job running on it now (whoever runs it: this
 * window, another one or the CLI). From here a lab is opened in the wizard, brought up or down,
 * checked, copied into a new lab, forgotten, or its folder deleted once its VMs are gone.
 */
import { useCallback, useContext, useEffect, useRef, useState } from 'react';
import { age } from '../../shared/age';
import type { ErrorInfo } from '../../shared/errors';
import type { JobInfo, JobKind } from '../../shared/jobs';
import { kindLabel } from '../../shared/jobWords';
import { defaultLabConfig, type LabConfig } from '../../shared/lab/schema';
import type { CheckVerdict, LabSummary } from '../../shared/labs';
import { api } from '../api';
import { GoContext } from '../route';
import { useWizard } from '../wizard';
import { ConfirmDialog } from './ConfirmDialog';
import { ErrorBanner } from './ErrorBanner';
import { StepHeader } from './StepHeader';
import './HomeScreen.css';

/** How often the list is read again while shown: a job the CLI starts sends this window no event. */
const REFRESH_MS = 5000;

const verdictWord: Record<CheckVerdict, { text: string; badge: string }> = {
  'loop-proof': { text: 'Loop-proof', badge: 'ok' },
  'at-risk': { text: 'At risk', badge: 'fail' },
  'not-checked': { text: 'Not checked', badge: 'quiet' },
};
const resultBadge: Record<string, string> = { succeeded: 'ok', failed: 'fail', cancelled: 'warn', interrupted: 'warn' };
const ownerWord = { app: 'the app', browser: 'browser mode', cli: 'the CLI' } as const;

const stateBadge = (state: string) => (state === 'running' ? 'ok' : state === 'not_created' ? 'quiet' : state === 'created' ? 'info' : 'warn');
const stateWord = (state: string) => (state === 'not_created' ? 'not created' : state === 'poweroff' ? 'stopped' : state.replace(/_/g, ' '));

type Confirm = { kind: 'forget' | 'delete'; lab: LabSummary };
/** A job the list can cancel: one this host runs. */
type CancellableJob = { id: string; kind: JobKind };

export function HomeScreen() {
  const go = useContext(GoContext);
  const { update } = useWizard();
  const [labs, setLabs] = useState<LabSummary[] | null>(null);
  const [listError, setListError] = useState<ErrorInfo | null>(null);
  const [actionError, setActionError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState<Record<string, string>>({});
  /** What this window hears of each lab's running job (its steps), by folder. */
  const [live, setLive] = useState<Record<string, JobInfo>>({});
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const reading = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  // One read at a time; a read asked for meanwhile runs once after it.
  const reload = useCallback(() => {
    if (reading.current) {
      again.current = true;
      return;
    }
    reading.current = api.invoke('labs.list', {}).then((result) => {
      if (result.ok) {
        setLabs(result.value.labs);
        setListError(null);
      } else setListError(result.error);
      setNow(Date.now());
      reading.current = null;
      if (again.current) {
        again.current = false;
        reload();
      }
    });
  }, []);

  useEffect(() => {
    reload();
    const offs = [
      api.on('job.update', (job) => {
        setLive((seen) => ({ ...seen, [job.dir]: job }));
        // A job began or ended: the row's lock, last job and machines changed.
        if (job.status !== 'running' || !job.steps.some((step) => step.status !== 'pending')) reload();
      }),
      api.on('lab.status', reload),
      api.on('lab.check', reload),
    ];
    const timer = setInterval(reload, REFRESH_MS);
    return () => {
      offs.forEach((off) => off());
      clearInterval(timer);
    };
  }, [reload]);

  const act = async (lab: LabSummary, what: string, run: () => Promise<ErrorInfo | null>) => {
    setActionError(null);
    setBusy((b) => ({ ...b, [lab.dir]: what }));
    const error = await run();
    setBusy(({ [lab.dir]: _, ...rest }) => rest);
    if (error) setActionError(error);
    reload();
  };
  const envelopeError = (result: { ok: true } | { ok: false; error: ErrorInfo }) => (result.ok ? null : result.error);

  const open = (lab: LabSummary) =>
    act(lab, 'Opening…', async () => {
      const result = await api.invoke('lab.open', { dir: lab.dir });
      // A lab whose lab.json cannot be read still opens: the Run step says what is wrong with it.
      update((s) => ({ ...s, opened: lab.dir, ...(result.ok ? { config: result.value, dir: lab.dir, writtenDir: lab.dir } : {}) }));
      go('run');
      return null;
    });

  const start = (lab: LabSummary, kind: JobKind) =>
    act(lab, `${kindLabel[kind]}…`, async () => {
      const result = await api.invoke('job.start', { dir: lab.dir, kind });
      if (!result.ok) return result.error;
      setLive((seen) => ({ ...seen, [result.value.dir]: result.value }));
      return null;
    });
  const check = (lab: LabSummary) => act(lab, 'Checking…', async () => envelopeError(await api.invoke('lab.check', { dir: lab.dir })));
  const cancel = (lab: LabSummary, job: CancellableJob) =>
    act(lab, 'Cancelling…', async () => envelopeError(await api.invoke('job.cancel', { jobId: job.id })));

  /** A new draft from this lab's settings: a name and folder no lab has, and addresses no lab uses. */
  const copy = (lab: LabSummary) =>
    act(lab, 'Copying…', async () => {
      const source = await api.invoke('lab.open', { dir: lab.dir });
      if (!source.ok) return source.error;
      const fresh = await api.invoke('lab.newDefaults', { name: source.value.name });
      if (!fresh.ok) return fresh.error;
      const base: LabConfig = { ...source.value, name: fresh.value.name, server: { ...source.value.server, name: fresh.value.serverName } };
      const planned = await api.invoke('plan.suggest', { nic: base.network.nic, agents: base.agents.length, base });
      // The NIC may be gone: the addresses are then left for the Addresses step to plan.
      const config = planned.ok
        ? planned.value
        : { ...base, server: { ...base.server, ip: '' }, agents: base.agents.map((agent) => ({ ...agent, ip: '' })) };
      update((s) => ({ ...s, config, dir: fresh.value.dir, writtenDir: null, opened: null }));
      go('addresses');
      return null;
    });

  const newLab = async () => {
    setActionError(null);
    const fresh = await api.invoke('lab.newDefaults', {});
    if (!fresh.ok) return setActionError(fresh.error);
    const seed = defaultLabConfig();
    const config = { ...seed, name: fresh.value.name, server: { ...seed.server, name: fresh.value.serverName } };
    update((s) => ({ ...s, config, dir: fresh.value.dir, writtenDir: null, opened: null }));
    go('check');
  };

  const forget = (lab: LabSummary) => {
    setConfirm(null);
    void act(lab, 'Forgetting…', async () => {
      const error = envelopeError(await api.invoke('labs.forget', { dir: lab.dir }));
      if (!error) update((s) => (s.opened === lab.dir ? { ...s, opened: null } : s));
      return error;
    });
  };
  const deleteFolder = (lab: LabSummary) => {
    setConfirm(null);
    void act(lab, 'Deleting…', async () => envelopeError(await api.invoke('labs.deleteFolder', { dir: lab.dir })));
  };

  return (
    <section aria-labelledby="home-title" className="home">
      <StepHeader
        id="home-title"
        title="Your labs"
        actions={
          <button type="button" className="primary" onClick={() => void newLab()}>
            New lab
          </button>
        }
      >
        Every lab Cluster Lab wrote or opened, and every lab folder in ~/ClusterLab, as their folders tell it.
      </StepHeader>
      {listError && <ErrorBanner error={listError} title="The list of labs cannot be read" />}
      {actionError && <ErrorBanner error={actionError} />}
      {labs === null && !listError && (
        <p className="muted" role="status">
          Reading your labs…
        </p>
      )}
      {labs?.length === 0 && (
        <div className="card home-empty">
          <p>No labs yet. New lab walks you through one: the machine check, the network, the addresses and the sizes.</p>
        </div>
      )}
      {labs && labs.length > 0 && (
        <ul className="home-labs" aria-label="Labs">
          {labs.map((lab) => (
            <LabCard
              key={lab.dir}
              lab={lab}
              live={live[lab.dir]}
              busy={busy[lab.dir]}
              now={now}
              onOpen={() => void open(lab)}
              onStart={(kind) => void start(lab, kind)}
              onCheck={() => void check(lab)}
              onCancel={(job) => void cancel(lab, job)}
              onCopy={() => void copy(lab)}
              onForget={() => setConfirm({ kind: 'forget', lab })}
              onDelete={() => setConfirm({ kind: 'delete', lab })}
            />
          ))}
        </ul>
      )}
      {confirm?.kind === 'forget' && (
        <ConfirmDialog
          label="Confirm forget"
          tone="warn"
          onCancel={() => setConfirm(null)}
          actions={
            <>
              <button type="button" data-autofocus onClick={() => setConfirm(null)}>
                Keep it
              </button>
              <button type="button" onClick={() => forget(confirm.lab)}>
                Forget
              </button>
            </>
          }
        >
          <strong>Forget lab “{labName(confirm.lab)}”?</strong>
          <p>
            It leaves this list; its folder <span className="mono">{confirm.lab.dir}</span> and its VMs stay as they are. Opening the folder on the
            Run step brings it back
            {confirm.lab.dir.includes('/ClusterLab/') || confirm.lab.dir.includes('\\ClusterLab\\')
              ? ', and a folder in ~/ClusterLab is listed anyway'
              : ''}
            .
          </p>
        </ConfirmDialog>
      )}
      {confirm?.kind === 'delete' && (
        <ConfirmDialog
          label="Confirm delete folder"
          tone="error"
          onCancel={() => setConfirm(null)}
          actions={
            <>
              <button type="button" data-autofocus onClick={() => setConfirm(null)}>
                Keep the folder
              </button>
              <button type="button" className="danger" onClick={() => deleteFolder(confirm.lab)}>
                Delete folder
              </button>
            </>
          }
        >
          <strong>Delete the folder of lab “{labName(confirm.lab)}”?</strong>
          <p>
            This deletes the files Cluster Lab wrote in <span className="mono">{confirm.lab.dir}</span> (lab.json, the Vagrantfile, logs, the
            kubeconfig), then the folder if nothing else is left in it. It cannot be undone. A file of yours there (an edit, a kept copy of one, a
            file you added) stops it before anything is deleted, named.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

const labName = (lab: LabSummary) => lab.name ?? lab.dir.split(/[\\/]/).filter(Boolean).at(-1) ?? lab.dir;

function LabCard({
  lab,
  live,
  busy,
  now,
  onOpen,
  onStart,
  onCheck,
  onCancel,
  onCopy,
  onForget,
  onDelete,
}: {
  lab: LabSummary;
  live: JobInfo | undefined;
  busy: string | undefined;
  now: number;
  onOpen: () => void;
  onStart: (kind: JobKind) => void;
  onCheck: () => void;
  onCancel: (job: CancellableJob) => void;
  onCopy: () => void;
  onForget: () => void;
  onDelete: () => void;
}) {
  const name = labName(lab);
  const titleId = `lab-${encodeURIComponent(lab.dir).replace(/%/g, '_')}`;
  const liveJob = live?.status === 'running' ? live : null;
  // The lock names whoever runs a job (the CLI too); this window's events name a job here before the list is read again.
  const running = lab.running ?? (liveJob && { kind: liveJob.kind, owner: null, startedAt: new Date(liveJob.startedAt).toISOString() });
  const step = liveJob?.steps.find((s) => s.status === 'running');
  // Only a job this host runs can be cancelled here (this window's events name it, or after a reload
  // the list does); another program's is cancelled where it runs.
  const listed = lab.running;
  const cancellable: CancellableJob | null =
    liveJob && !liveJob.owner
      ? liveJob
      : listed?.here && listed.kind !== 'write' && live?.id !== listed.jobId
        ? { id: listed.jobId, kind: listed.kind }
        : null;
  // A pressed Cancel goes once its job has ended: the focus it had lands on the lab's name, not at
  // the top of the page. A job that ends by itself moves no one's focus.
  const heading = useRef<HTMLHeadingElement>(null);
  const cancelPressed = useRef(false);
  const cancelId = cancellable?.id ?? null;
  useEffect(() => {
    if (cancelId || !cancelPressed.current) return;
    cancelPressed.current = false;
    if (document.activeElement === document.body || document.activeElement === null) heading.current?.focus();
  }, [cancelId]);
  const anyRunning = lab.machines.some((m) => m.state === 'running');
  const allGone = lab.machines.length > 0 && lab.machines.every((m) => m.state === 'not_created');
  const blocked = Boolean(running || busy || lab.problem);
  const check = lab.check;
  return (
    <li className="card home-lab" aria-labelledby={titleId} data-lab-dir={lab.dir} data-busy={running ? 'true' : 'false'}>
      <div className="home-lab-head">
        <h3 id={titleId} ref={heading} tabIndex={-1}>
          {name}
        </h3>
        <span className="mono muted home-lab-dir">{lab.dir}</span>
        {!lab.registered && <span className="badge quiet">found in ~/ClusterLab</span>}
      </div>
      {running && (
        <p className="banner info home-lab-running" role="status">
          <strong>{running.kind === 'write' ? 'Writing its files' : `${kindLabel[running.kind]} running`}</strong>
          {step ? `: ${step.label}` : ''} (
          {lab.running ? `started from ${lab.running.owner ? ownerWord[lab.running.owner] : 'another Cluster Lab'}, ` : 'started '}
          {age(running.startedAt, now)})
        </p>
      )}
      {lab.problem && <p className="banner warn">{lab.problem}</p>}
      <dl className="home-lab-facts">
        <div>
          <dt>Machines</dt>
          <dd>
            {lab.machines.length ? (
              <ul className="home-lab-machines" aria-label={`Machines of ${name}`}>
                {lab.machines.map((m) => (
                  <li key={m.name} className={`badge ${stateBadge(m.state)}`} data-machine={m.name} data-state={m.state}>
                    {m.name} {stateWord(m.state)}
                  </li>
                ))}
              </ul>
            ) : (
              <span className="muted">none known</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Last job</dt>
          <dd>
            {lab.job ? (
              <>
                {kindLabel[lab.job.kind]} <span className={`badge ${resultBadge[lab.job.result] ?? 'quiet'}`}>{lab.job.result}</span>{' '}
                <span className="muted small">
                  <time dateTime={lab.job.finishedAt}>{age(lab.job.finishedAt, now)}</time>
                </span>
              </>
            ) : (
              <span className="muted">none yet</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Check</dt>
          <dd>
            {check ? (
              <>
                <span className={`badge ${check.stale ? 'quiet' : verdictWord[check.verdict].badge}`}>
                  {check.stale ? `${verdictWord[check.verdict].text} (stale)` : verdictWord[check.verdict].text}
                </span>{' '}
                <span className="muted small">
                  <time dateTime={check.checkedAt}>{age(check.checkedAt, now)}</time>
                  {check.stale ? `: ${check.stale}` : ''}
                </span>
              </>
            ) : (
              <span className="muted">not checked yet</span>
            )}
          </dd>
        </div>
      </dl>
      <div className="home-lab-actions" role="toolbar" aria-label={`Actions for ${name}`}>
        <button type="button" className="primary" onClick={onOpen} aria-label={`Open ${name}`} disabled={busy !== undefined}>
          Open
        </button>
        <button type="button" onClick={() => onStart('up')} aria-label={`Up ${name}`} disabled={blocked}>
          Up
        </button>
        <button type="button" onClick={() => onStart('down')} aria-label={`Down ${name}`} disabled={blocked || !anyRunning}>
          Down
        </button>
        <button type="button" onClick={onCheck} aria-label={`Check ${name}`} disabled={blocked || !anyRunning}>
          Check
        </button>
        {cancellable && (
          <button
            type="button"
            onClick={() => {
              cancelPressed.current = true;
              onCancel(cancellable);
            }}
            aria-label={`Cancel ${kindLabel[cancellable.kind]} of ${name}`}
            disabled={busy !== undefined}
          >
            Cancel {kindLabel[cancellable.kind]}
          </button>
        )}
        <button type="button" onClick={onCopy} aria-label={`New lab from ${name}`} disabled={busy !== undefined || Boolean(lab.problem)}>
          New lab from this one
        </button>
        <span className="home-spacer" />
        {busy && (
          <span className="muted small" role="status">
            {busy}
          </span>
        )}
        <button
          type="button"
          onClick={onForget}
          aria-label={`Forget ${name}…`}
          disabled={busy !== undefined || !lab.registered}
          title={lab.registered ? undefined : 'A folder in ~/ClusterLab is listed while it is there'}
        >
          Forget…
        </button>
        <button
          type="button"
          className="danger"
          onClick={onDelete}
          aria-label={`Delete folder of ${name}…`}
          disabled={blocked || !allGone}
          title={allGone ? undefined : 'Destroy its VMs first (Open, then Destroy on the Run step)'}
        >
          Delete folder…
        </button>
      </div>
    </li>
  );
}
