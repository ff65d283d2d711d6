import { createContext, useContext, useEffect, useRef, type ReactNode, type RefObject } from 'react';

/**
 * Set when the user moves to another step: the step's heading takes the focus when it mounts, so
 * Enter on Next leaves the keyboard at the top of the new step, not on <body>. It stays set while
 * a step swaps one heading for another (loading, then loaded); the first focus elsewhere clears it.
 */
export const StepFocusContext = createContext<RefObject<boolean> | null>(null);

/** A step's h2: where the focus lands when the step opens. */
export function StepHeading({ id, children }: { id: string; children: ReactNode }) {
  const pending = useContext(StepFocusContext);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (pending?.current) heading.current?.focus();
  }, [pending]);
  return (
    <h2 id={id} ref={heading} tabIndex={-1} data-step-heading="">
      {children}
    </h2>
  );
}

/** A step's title, what it is for, and the actions that belong to the whole step (Refresh, Re-check). */
export function StepHeader({ id, title, children, actions }: { id: string; title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <header className="step-header">
      <div>
        <StepHeading id={id}>{title}</StepHeading>
        <p className="muted">{children}</p>
      </div>
      {actions}
    </header>
  );
}
