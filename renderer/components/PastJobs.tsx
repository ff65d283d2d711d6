/**
 * The Run step's past jobs of the lab, from its logs/ folder (job.history): collapsed until asked
 * for, read again when a job ends, and each job's log opened read-only in a log view of its own
 * (job.pastLog: its end, when long). Also who runs a job when another program does.
 */
import { useEffect, useRef, useState } from 'react';
import type { CallResult } from '../../shared/contract';
import type { ErrorInfo } from '../../shared/errors';
import { PAST_LOG_MAX_BYTES, type JobInfo, type PastJob } from '../../shared/jobs';
import { formatBytes } from '../../shared/bytes';
import { api } from '../api';
import { formatDuration } from '../duration';
import { kindLabel } from '../jobWords';
import { Badge, type Tone } from './Badge';
import { ErrorBanner } from './ErrorBanner';
import { LogView, type LogViewHandle } from './LogView';
import './PastJobs.css';

const resultTone: Record<NonNullable<PastJob['result']>, Tone> = { succeeded: 'success', failed: 'danger', cancelled: 'warning' };
const programWords = { cli: 'the CLI', browser: 'another browser-mode host', app: 'the Cluster Lab app' } as const;

/** Who runs a job another program runs, and why the page cannot stop it. */
export function ForeignJobNote({ job }: { job: JobInfo }) {
  if (!job.owner || job.status !== 'running') return null;
  const where = job.owner.program ? programWords[job.owner.program] : 'another program';
  return (
    <p className="banner info" data-foreign-job="">
      <strong>
        {kindLabel[job.kind]} — running from {where} (pid {job.owner.pid})
      </strong>
      . Up, Down and the other actions wait until it ends. To cancel it, press Ctrl-C in the terminal where it runs: this page does not stop a process
      it did not start.
    </p>
  );
}

export function PastJobs({ dir, nodes, current }: { dir: string; nodes: readonly string[]; current: JobInfo | null }) {
  const [open, setOpen] = useState(false);
  const [jobs, setJobs] = useState<PastJob[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [shown, setShown] = useState<CallResult<'job.pastLog'> | null>(null);
  // A job that ends is a past job too.
  const ended = current && current.status !== 'running' ? current.id : null;

  useEffect(() => {
    if (!open) return;
    let live = true;
    void api.invoke('job.history', { dir }).then((result) => {
      if (!live) return;
      setJobs(result.ok ? result.value.jobs : []);
      setError(result.ok ? null : result.error);
    });
    return () => {
      live = false;
    };
  }, [open, dir, ended]);

  useEffect(() => setShown(null), [dir]);

  const show = async (job: PastJob) => {
    const result = await api.invoke('job.pastLog', { dir, jobId: job.id });
    if (!result.ok) return setError(result.error);
    setError(null);
    setShown(result.value);
  };

  return (
    <details className="card past-jobs" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>
        <h3 className="run-card-title">Past jobs</h3>
      </summary>
      {error && <ErrorBanner error={error} />}
      {jobs && jobs.length === 0 && <p className="muted">No job has run on this lab yet (its logs/ folder has no job log).</p>}
      {jobs && jobs.length > 0 && (
        <table className="past-jobs-table">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
              <th scope="col">Result</th>
              <th scope="col">Log</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id} data-job-id={job.id}>
                <th scope="row">{kindLabel[job.kind]}</th>
                <td>{new Date(job.startedAt).toLocaleString()}</td>
                <td>{job.endedAt === null ? '' : formatDuration(job.endedAt - job.startedAt)}</td>
                <td>
                  {job.running ? (
                    <Badge tone="neutral">running</Badge>
                  ) : job.result ? (
                    <Badge tone={resultTone[job.result]}>{job.result}</Badge>
                  ) : (
                    <span className="muted">not said</span>
                  )}
                </td>
                <td>
                  <button
                    type="button"
                    onClick={() => void show(job)}
                    aria-label={`Open the log of ${kindLabel[job.kind]} at ${new Date(job.startedAt).toLocaleString()}`}
                  >
                    Open ({formatBytes(job.bytes)})
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown && (
        <div className="past-job-log">
          <p className="small">
            {kindLabel[shown.job.kind]} of {new Date(shown.job.startedAt).toLocaleString()}, read-only
            {shown.truncated ? `: only its last ${formatBytes(PAST_LOG_MAX_BYTES)} are shown here, the log file has it all` : ''}.{' '}
            <button type="button" onClick={() => setShown(null)}>
              Close
            </button>
          </p>
          <PastLog shown={shown} nodes={nodes} />
        </div>
      )}
    </details>
  );
}

/** A past job's lines in a log view of their own, put in once the view is there (its effects run before this one's). */
function PastLog({ shown, nodes }: { shown: CallResult<'job.pastLog'>; nodes: readonly string[] }) {
  const log = useRef<LogViewHandle>(null);
  useEffect(() => {
    log.current?.reset();
    log.current?.append(shown.lines, shown.lines.length);
  }, [shown]);
  return <LogView ref={log} nodes={nodes} logFile={shown.job.logFile} jobId={shown.job.id} label="Log of a past job" />;
}
