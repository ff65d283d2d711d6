/**
 * The question behind lab.write's refusals: a folder holding another lab or other files is written
 * only when the person says so (a retry with `force`); a VM the lab would no longer have is never
 * orphaned, so that refusal stays and the dialog says how to destroy it first.
 */
import { useCallback, useState, type ReactNode } from 'react';
import type { Envelope } from '../../shared/contract';
import type { Refusal } from '../../shared/errors';
import type { LabConfig } from '../../shared/lab/schema';
import type { WriteReport } from '../../shared/lab/files';
import { shellQuote } from '../../shared/render/escape';
import { api } from '../api';
import { ConfirmDialog } from './ConfirmDialog';
import { Snippet } from './CopyButton';

export function TakeoverDialog({ refusal, safeLabel, onAnswer }: { refusal: Refusal; safeLabel: string; onAnswer: (force: boolean) => void }) {
  if (refusal.kind === 'vms-exist') {
    const { machines, dir } = refusal;
    const them = machines.length === 1 ? 'it' : 'them';
    return (
      <ConfirmDialog
        label="VMs still exist"
        tone="error"
        onCancel={() => onAnswer(false)}
        actions={
          <button type="button" data-autofocus onClick={() => onAnswer(false)}>
            Close
          </button>
        }
      >
        <strong>
          The VM{machines.length === 1 ? '' : 's'} {machines.join(', ')} still exist{machines.length === 1 ? 's' : ''}: nothing was written.
        </strong>
        <p>
          This lab no longer has {machines.join(', ')}; writing it would leave {them} where Down and Destroy cannot reach. Destroy {them} first, then
          write again. Destroy on the Run step destroys every VM of the lab in <span className="mono">{dir}</span>; to destroy only{' '}
          {machines.length === 1 ? 'this one' : 'these'}:
        </p>
        <Snippet text={`cd ${shellQuote(dir)} && vagrant destroy -f ${machines.join(' ')}`} label="destroy command" />
      </ConfirmDialog>
    );
  }
  return (
    <ConfirmDialog
      label="This folder holds something else"
      tone="warn"
      onCancel={() => onAnswer(false)}
      actions={
        <>
          <button type="button" data-autofocus onClick={() => onAnswer(false)}>
            {safeLabel}
          </button>
          <button type="button" className="primary" onClick={() => onAnswer(true)}>
            Write into it anyway
          </button>
        </>
      }
    >
      <strong>This folder holds something else</strong>
      <p>
        <span className="mono">{refusal.dir}</span> holds {refusal.holds}. Nothing was written yet.
      </p>
      <p>
        Writing into it anyway puts this lab's Vagrantfile, registry.yaml and lab.json there, replacing files of those names (one you edited is kept
        beside it as NAME.user-&lt;time&gt;); every other file stays.
      </p>
    </ConfirmDialog>
  );
}

export interface LabWrite {
  result: Envelope<WriteReport>;
  /** The person chose not to write into a folder that holds something else. */
  declined: boolean;
}

/**
 * lab.write, asking first where the service refuses: "Write into it anyway" retries with `force`.
 * `dialog` is the question while one is open; render it where the caller is.
 */
export function useLabWrite(safeLabel: string): { write: (dir: string, config: LabConfig) => Promise<LabWrite>; dialog: ReactNode; asking: boolean } {
  const [question, setQuestion] = useState<{ refusal: Refusal; answer: (force: boolean) => void } | null>(null);
  const write = useCallback(async (dir: string, config: LabConfig): Promise<LabWrite> => {
    let force = false;
    for (;;) {
      const result = await api.invoke('lab.write', { dir, config, ...(force ? { force } : {}) });
      const refusal = result.ok ? undefined : result.error.refusal;
      if (!refusal || (refusal.kind === 'folder-taken' && force)) return { result, declined: false };
      const yes = await new Promise<boolean>((answer) => setQuestion({ refusal, answer }));
      setQuestion(null);
      if (refusal.kind === 'vms-exist' || !yes) return { result, declined: refusal.kind === 'folder-taken' };
      force = true;
    }
  }, []);
  return {
    write,
    asking: question !== null,
    dialog: question && <TakeoverDialog refusal={question.refusal} safeLabel={safeLabel} onAnswer={question.answer} />,
  };
}
