/**
 * The Run step runs the folder's lab.json, not the wizard's draft. When the two differ, it says so,
 * field by field, and Up waits until the person picks one: write the draft into the folder, or run
 * the folder as it is (the draft becomes the folder's lab, so what the screen shows is what runs).
 */
import { useMemo, useState } from 'react';
import type { ErrorInfo } from '../../shared/errors';
import type { LabConfig } from '../../shared/lab/schema';
import { labDifferences } from '../labDiff';
import { useWizard } from '../wizard';
import { useAnnounce } from './Announcer';
import { ErrorBanner } from './ErrorBanner';
import { useLabWrite } from './TakeoverDialog';
import './DraftDiffers.css';

/** Where the draft and the folder's lab differ; none while either is missing. */
export function useDraftDifferences(folder: LabConfig | null) {
  const { state } = useWizard();
  return useMemo(() => (folder ? labDifferences(folder, state.config) : []), [folder, state.config]);
}

export function DraftDiffers({ dir, folder, onSettled }: { dir: string; folder: LabConfig; onSettled: (written: boolean) => void }) {
  const { state, issues, update } = useWizard();
  const differences = useDraftDifferences(folder);
  const announce = useAnnounce();
  const takeover = useLabWrite('Keep the folder as it is');
  const [writing, setWriting] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  // What the last choice did, in view after the banner goes; setting the draft aside can be undone.
  const [settled, setSettled] = useState<{ text: string; setAside: { config: LabConfig; dir: string } | null } | null>(null);
  if (!differences.length)
    return settled ? (
      // Not a live region itself: the announcer has said it once already.
      <p className="banner info draft-settled">
        {settled.text}{' '}
        {settled.setAside && (
          <button
            type="button"
            className="link"
            onClick={() => {
              const { config, dir: draftDir } = settled.setAside!;
              setSettled(null);
              update((s) => ({ ...s, config, dir: draftDir }));
            }}
          >
            Undo: bring my draft back
          </button>
        )}
      </p>
    ) : null;

  const writeDraft = async () => {
    setWriting(true);
    setError(null);
    const { result, declined } = await takeover.write(dir, state.config);
    setWriting(false);
    if (declined) return;
    if (!result.ok) return setError(result.error);
    const text = `Wrote your draft to ${result.value.dir}: Up and Provision run it now.`;
    setSettled({ text, setAside: null });
    announce(text);
    onSettled(true);
  };
  const runFolder = () => {
    const draft = { config: state.config, dir: state.dir };
    update((s) => ({ ...s, config: folder, dir }));
    const text = `Your draft was set aside: Up and Provision run the folder's lab as it is, and the other steps show it.`;
    setSettled({ text, setAside: draft });
    announce(text);
    onSettled(false);
  };

  return (
    <section className="banner warn draft-differs" aria-labelledby="draft-differs-title">
      <strong id="draft-differs-title">Your draft is not the lab in this folder</strong>
      <p>Up and Provision run the folder's lab.json, so they wait until you choose. What differs (the folder's value, then your draft's):</p>
      <ul>
        {differences.map((d) => (
          <li key={d.field}>
            {d.field}: folder <span className="mono">{d.folder}</span>, draft <span className="mono">{d.draft}</span>
          </li>
        ))}
      </ul>
      {issues.length > 0 && <p>The draft is not complete ({issues[0]!.message}): finish it on its step before writing it.</p>}
      <div className="draft-differs-buttons">
        <button type="button" className="primary" onClick={() => void writeDraft()} disabled={writing || issues.length > 0}>
          {writing && !takeover.asking ? 'Writing…' : 'Write and run'}
        </button>
        <button type="button" onClick={runFolder} disabled={writing}>
          Run the folder as it is
        </button>
      </div>
      {error && <ErrorBanner error={error} title="The draft was not written" />}
      {takeover.dialog}
    </section>
  );
}
