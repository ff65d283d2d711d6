/**
 * One polite live region for the whole page: step changes, job results and "Copied" are said
 * there, so a screen reader hears them without the focus moving.
 */
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';

const AnnounceContext = createContext<(message: string) => void>(() => {});

export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState('');
  const frame = useRef<number | null>(null);
  const announce = useCallback((next: string) => {
    // The same words twice in a row are a change only if the region empties in between.
    setMessage('');
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      setMessage(next);
    });
  }, []);
  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div id="announcer" className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        {message}
      </div>
    </AnnounceContext.Provider>
  );
}

export function useAnnounce(): (message: string) => void {
  return useContext(AnnounceContext);
}
