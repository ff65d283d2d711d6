/**
 * Step 5: the files exactly as they will be written, with their changes against the lab folder,
 * then the folder and Write. Nothing is written until the user presses Write, and a file they
 * edited by hand is named before it is replaced (their copy is kept beside it).
 */
import { useEffect, useRef, useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import type { FilePreview, FileState, WriteReport } from '../../shared/lab/files';
import { shellQuote } from '../../shared/render/escape';
import { api } from '../api';
import { useShellCapabilities } from '../useShellCapabilities';
import { CodeView, DiffView } from '../components/CodeView';
import { ErrorBanner } from '../components/ErrorBanner';
import { Field } from '../components/Field';
import { useLabWrite } from '../components/TakeoverDialog';
import { useStepGate } from '../stepGate';
import { useCall } from '../useCall';
import { useWizard } from '../wizard';
import './Review.css';
import { StepHeader, StepHeading } from '../components/StepHeader';

const stateLabels: Record<FileState, { text: string; badge: string }> = {
  new: { text: 'new', badge: 'info' },
  unchanged: { text: 'unchanged', badge: 'ok' },
  changed: { text: 'will change', badge: 'warn' },
  'user-edited': { text: 'edited by you', badge: 'fail' },
};

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function ReviewStep() {
  const { state, issues, update } = useWizard();
  const { config, dir } = state;
  const valid = issues.length === 0;
  // Prefilled once, when the step opens without a folder: clearing the field later leaves it clear.
  const [needsDefault] = useState(() => !dir);
  const defaultDir = useCall('lab.defaultDir', needsDefault ? { name: config.name } : null);
  useEffect(() => {
    const suggested = defaultDir.value?.dir;
    if (suggested) update((s) => (s.dir ? s : { ...s, dir: suggested }));
  }, [defaultDir.value, update]);

  const settledDir = useDebounced(dir, 250);
  const preview = useCall('lab.preview', valid ? { dir: settledDir.trim() || undefined, config } : null);
  const [selected, setSelected] = useState('Vagrantfile');
  const [showChanges, setShowChanges] = useState(false);
  const [writing, setWriting] = useState(false);
  const [report, setReport] = useState<WriteReport | null>(null);
  const [writeError, setWriteError] = useState<ErrorInfo | null>(null);
  const shell = useShellCapabilities();
  const takeover = useLabWrite('Choose another folder');
  const folderInput = useRef<HTMLInputElement>(null);
  const errorBox = useRef<HTMLDivElement>(null);
  const [focusError, setFocusError] = useState(false);
  useEffect(() => {
    if (!focusError || !writeError) return;
    errorBox.current?.focus();
    setFocusError(false);
  }, [focusError, writeError]);

  const setDir = (next: string) => {
    setReport(null);
    setWriteError(null);
    update((s) => ({ ...s, dir: next }));
  };

  const choose = async () => {
    const envelope = await api.invoke('dialog.pickFolder', dir ? { defaultPath: dir } : {});
    if (!envelope.ok) return setWriteError(envelope.error);
    if (envelope.value.dir) setDir(envelope.value.dir);
  };

  const settle = (written: string) => {
    // Run works on the lab just written, not on one opened before.
    update((s) => ({ ...s, dir: written, writtenDir: written, opened: written }));
  };

  /** Whether the lab is in the folder now; if not, why is in view (or the folder field, when the person chose another). */
  const write = async (): Promise<boolean> => {
    setWriting(true);
    setWriteError(null);
    const { result: envelope, declined } = await takeover.write(dir, config);
    setWriting(false);
    if (declined) {
      folderInput.current?.focus();
      return false;
    }
    if (!envelope.ok) {
      setWriteError(envelope.error);
      setFocusError(true);
      return false;
    }
    setReport(envelope.value);
    settle(envelope.value.dir);
    preview.reload();
    return true;
  };

  const openFolder = async (target: string) => {
    const envelope = await api.invoke('shell.openFolder', { dir: target });
    if (!envelope.ok) setWriteError(envelope.error);
  };

  // Next writes the lab (Run works on the folder, never on the draft); a folder already holding exactly it needs no write.
  const upToDate = settledDir === dir && !preview.loading && (preview.value?.files ?? []).every((f) => f.state === 'unchanged');
  useStepGate(async () => {
    // An incomplete draft: the step already says what to fix, in an alert.
    if (!valid) return false;
    if (upToDate && preview.value?.files.length) {
      settle(dir);
      return true;
    }
    return write();
  });

  if (!valid) {
    return (
      <section aria-labelledby="review-title">
        <StepHeading id="review-title">Review</StepHeading>
        <div className="banner warn" role="alert">
          <strong>The lab is not complete yet: go back and fix these first.</strong>
          <ul>
            {issues.map((issue) => (
              <li key={issue.path + issue.message}>{issue.message}</li>
            ))}
          </ul>
        </div>
      </section>
    );
  }

  const files = preview.value?.files ?? [];
  const file = files.find((f) => f.name === selected) ?? files[0];
  const userEdited = files.filter((f) => f.state === 'user-edited');
  const dirError = preview.error?.issues?.find((i) => i.path === 'dir')?.message;
  const nothingToWrite = files.length > 0 && files.every((f) => f.state === 'unchanged');

  return (
    <section aria-labelledby="review-title" className="review-step">
      <StepHeader id="review-title" title="Review and write">
        These are the files exactly as they will be written. Read them, then write the lab folder; Run brings it up (or cluster-lab up from a
        terminal).
      </StepHeader>

      <div className="card form-card review-folder">
        <div className="folder-row">
          <Field
            label="Lab folder"
            error={dirError}
            help={shell.pickFolder ? undefined : 'The full path of a folder on the computer running Cluster Lab; ~ is your home folder.'}
          >
            <input ref={folderInput} value={dir} onChange={(e) => setDir(e.target.value)} className="mono" spellCheck={false} />
          </Field>
          {shell.pickFolder && (
            <button type="button" onClick={() => void choose()}>
              Choose…
            </button>
          )}
          <button type="button" className="primary" onClick={() => void write()} disabled={writing || !dir.trim() || !preview.value}>
            {writing && !takeover.asking ? 'Writing…' : nothingToWrite ? 'Write again' : 'Write lab'}
          </button>
        </div>
        {userEdited.length > 0 && (
          <div className="banner warn" role="status" aria-label="Your edits">
            <strong>You edited {userEdited.map((f) => f.name).join(' and ')} since Cluster Lab wrote it.</strong>
            <div>Writing keeps your version beside the new one as {userEdited.map((f) => `${f.name}.user-<time>`).join(', ')}; nothing is lost.</div>
          </div>
        )}
        {/* Focused when a write (Next's too) fails: the reason is where the person is. */}
        <div ref={errorBox} tabIndex={-1}>
          {writeError && <ErrorBanner error={writeError} title="The lab was not written" />}
        </div>
        {report && (
          <div className="banner info" role="status" aria-label="Write report">
            <strong>
              {report.written.length ? `Wrote ${report.written.join(', ')}` : 'Nothing needed writing'}
              {report.unchanged.length ? `; ${report.unchanged.join(', ')} already up to date` : ''}.
            </strong>
            {report.keptUserCopies.map((kept) => (
              <div key={kept.keptAs}>
                Your edited {kept.name} is kept as <span className="mono">{kept.keptAs}</span>.
              </div>
            ))}
            {report.removed.length > 0 && <div>Removed {report.removed.join(', ')}: this lab no longer has it.</div>}
            {report.leftEdited.length > 0 && <div>Left your edited {report.leftEdited.join(', ')} in place: this lab no longer writes it.</div>}
            {report.ignored.map(({ name, why }) => (
              <div key={name}>
                Ignored <span className="mono">{name}</span>: {why}.
              </div>
            ))}
            <div>
              The lab is in <span className="mono">{report.dir}</span>. Go on to Run, or start it from a terminal:{' '}
              <code>cluster-lab up --dir {shellQuote(report.dir)}</code>
            </div>
            {shell.openFolder && (
              <button type="button" className="link" onClick={() => void openFolder(report.dir)}>
                Open the folder
              </button>
            )}
          </div>
        )}
      </div>

      {takeover.dialog}
      {preview.error && !dirError && <ErrorBanner error={preview.error} title="Could not preview the lab" />}
      {file && (
        <div className="review-files">
          <div className="file-bar">
            <div className="file-tabs" role="tablist" aria-label="Files">
              {files.map((f) => (
                <button
                  key={f.name}
                  type="button"
                  role="tab"
                  aria-selected={f.name === file.name}
                  aria-controls="review-file-panel"
                  className={f.name === file.name ? 'current' : undefined}
                  onClick={() => setSelected(f.name)}
                >
                  <span className="mono">{f.name}</span> <span className={`badge ${stateLabels[f.state].badge}`}>{stateLabels[f.state].text}</span>
                </button>
              ))}
            </div>
            <label className="changes-toggle">
              <input type="checkbox" checked={showChanges} onChange={(e) => setShowChanges(e.target.checked)} disabled={file.state === 'new'} />
              Show changes against the folder
            </label>
          </div>
          <div id="review-file-panel" role="tabpanel" aria-label={file.name}>
            <FileBody file={file} showChanges={showChanges} />
          </div>
        </div>
      )}
      {!file && preview.loading && (
        <p className="muted" role="status">
          Rendering the lab…
        </p>
      )}
    </section>
  );
}

function FileBody({ file, showChanges }: { file: FilePreview; showChanges: boolean }) {
  if (!showChanges || file.state === 'new') {
    return <CodeView name={file.name} content={file.content} label={`${file.name} as it will be written`} />;
  }
  return <DiffView name={file.name} before={file.current ?? file.content} after={file.content} label={`Changes to ${file.name}`} />;
}
