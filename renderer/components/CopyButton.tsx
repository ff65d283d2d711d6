/** Copy a command or snippet shown on the page, and say so where a screen reader hears it. */
import { useEffect, useState } from 'react';
import { useAnnounce } from './Announcer';
import './CopyButton.css';

/**
 * The async clipboard first; where the shell refuses it (a permission it does not grant), the
 * selection route that a click still allows.
 */
async function writeClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    return copied;
  }
}

export function CopyButton({ text, what }: { text: string; what: string }) {
  const announce = useAnnounce();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = async () => {
    const ok = await writeClipboard(text);
    setCopied(ok);
    announce(ok ? `Copied the ${what}.` : `The clipboard is not available here: select the ${what} and press Ctrl+C.`);
  };
  return (
    <button type="button" className="copy-button" aria-label={`Copy the ${what}`} data-copied={copied || undefined} onClick={() => void copy()}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

/** A command or file snippet with its Copy button. `label` names it for assistive technology and tests. */
export function Snippet({ text, label }: { text: string; label: string }) {
  return (
    <div className="snippet">
      <pre className="mono snippet-text" role="group" aria-label={label}>
        {text}
      </pre>
      <CopyButton text={text} what={label} />
    </div>
  );
}
