import type { ErrorInfo } from '../../shared/errors';

/** An error as a person needs it: what went wrong, then what to do. */
export function ErrorBanner({ error, title }: { error: ErrorInfo; title?: string }) {
  return (
    <div className="banner error" role="alert">
      <strong>{title ?? error.message}</strong>
      {title && <div>{error.message}</div>}
      {error.hint && <div className="hint">{error.hint}</div>}
      {error.issues && error.issues.length > 0 && (
        <ul>
          {error.issues.map((issue) => (
            <li key={issue.path}>{issue.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
