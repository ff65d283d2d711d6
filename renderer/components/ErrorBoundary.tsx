/**
 * What the page shows instead of going blank when a screen cannot render: most often a step's
 * code could not be loaded because the browser-mode host stopped or restarted, or the desktop
 * app was updated under the window. One action: load the app again.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { StepHeading } from './StepHeader';

interface State {
  error: Error | null;
}

/** A part of the app whose code could not be fetched: the host is gone, or the files changed under the page. */
export class LoadError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what} could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'LoadError';
  }
}

/** Browser mode serves the page from `npm run web`; the desktop app has `window.lab` from its preload. */
const browserMode = () => !window.lab;

export class ErrorBoundary extends Component<{ children: ReactNode; where: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`Cluster Lab: ${this.props.where} failed to render`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    const hostGone = error instanceof LoadError;
    return (
      <div className="boundary banner error" role="alert" aria-labelledby="boundary-title">
        <StepHeading id="boundary-title">{hostGone ? 'Cluster Lab lost its connection' : `${this.props.where} could not be shown`}</StepHeading>
        <p>
          {hostGone ? (
            browserMode() ? (
              <>
                This part of the page could not be loaded: the Cluster Lab host (<code>npm run web</code>) stopped or restarted.
              </>
            ) : (
              'This part of the app could not be loaded from its files.'
            )
          ) : (
            'Something in this screen failed.'
          )}{' '}
          Your answers so far are kept: reload to go on.
        </p>
        {hostGone && browserMode() && (
          <p className="hint">
            If you started the host again, it printed a new address with a new token: open that one instead, as this page cannot know it.
          </p>
        )}
        <p className="hint">
          <code>{error.message}</code>
        </p>
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          Reload Cluster Lab
        </button>
      </div>
    );
  }
}
