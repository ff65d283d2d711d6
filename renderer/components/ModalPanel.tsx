/**
 * A panel over the page (Help, Telepresence): a modal <dialog>, so the page behind is inert and
 * Escape closes it; its body mounts only while open, so what it loads is fresh each time.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import './ModalPanel.css';

export function ModalPanel({
  open,
  onClose,
  labelledBy,
  width,
  children,
}: {
  open: boolean;
  onClose: () => void;
  /** The id of the heading that names the panel. */
  labelledBy: string;
  /** Its widest, in px; never wider than the window less a margin. */
  width: number;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const node = dialog.current;
    if (!node) return;
    if (open && !node.open) node.showModal();
    if (!open && node.open) node.close();
  }, [open]);
  return (
    <dialog
      ref={dialog}
      className="modal-panel"
      style={{ width: `min(${width}px, calc(100vw - 40px))` }}
      aria-labelledby={labelledBy}
      onClose={onClose}
    >
      {open && children}
    </dialog>
  );
}
