/**
 * A question before something that cannot be undone or that changes the user's own files: a modal
 * <dialog>, so the page behind is inert. It takes the focus (the safe answer first), keeps Tab
 * inside, closes on Escape, and gives the focus back to the button that opened it.
 */
import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

const focusable =
  'button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), [href], [tabindex]:not([tabindex="-1"])';

export function ConfirmDialog({
  label,
  tone,
  onCancel,
  children,
  actions,
}: {
  /** The dialog's accessible name. */
  label: string;
  tone: 'error' | 'warn';
  /** Escape, or the safe button: nothing happens. */
  onCancel: () => void;
  /** What will happen, said plainly. */
  children: ReactNode;
  /** The buttons; the one marked data-autofocus (the safe one) takes the focus. */
  actions: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const describedBy = useId();
  const onCancelRef = useRef(onCancel);
  onCancelRef.current = onCancel;

  useEffect(() => {
    const node = dialog.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    node.showModal();
    node.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    // Escape fires `cancel`: the dialog is React's to close, so the browser's own close is held back.
    const cancel = (event: Event) => {
      event.preventDefault();
      onCancelRef.current();
    };
    node.addEventListener('cancel', cancel);
    return () => {
      node.removeEventListener('cancel', cancel);
      if (node.open) node.close();
      // Back to the opener when it can still take the focus; a job that started disables it.
      if (opener?.isConnected && !opener.matches(':disabled')) opener.focus();
    };
  }, []);

  const keepTabInside = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key !== 'Tab') return;
    const items = [...dialog.current!.querySelectorAll<HTMLElement>(focusable)];
    const first = items[0];
    const last = items.at(-1);
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={dialog}
      className={`confirm banner ${tone}`}
      role="alertdialog"
      aria-label={label}
      aria-describedby={describedBy}
      onKeyDown={keepTabInside}
    >
      <div id={describedBy}>{children}</div>
      <div className="confirm-buttons">{actions}</div>
    </dialog>
  );
}
