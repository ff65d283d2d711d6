import type { ReactNode } from 'react';

/** A step's title, what it is for, and the actions that belong to the whole step (Refresh, Re-check). */
export function StepHeader({ id, title, children, actions }: { id: string; title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <header className="step-header">
      <div>
        <h2 id={id}>{title}</h2>
        <p className="muted">{children}</p>
      </div>
      {actions}
    </header>
  );
}
