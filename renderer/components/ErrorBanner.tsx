import type { ErrorInfo } from '../../shared/errors';
import { RichText } from './RichText';

/** An error as a person needs it: what went wrong, then what to do. */
export function ErrorBanner({ error, title }: { error: ErrorInfo; title?: string }) {
  return (
    <div className="banner error" role="alert">
      <strong>
        <RichText text={title ?? error.message} />
      </strong>
      {title && (
        <div>
          <RichText text={error.message} />
        </div>
      )}
      {error.hint && (
        <div className="hint">
          <RichText text={error.hint} />
        </div>
      )}
      {error.issues && error.issues.length > 0 && (
        <ul>
          {error.issues.map((issue) => (
            <li key={issue.path}>
              <RichText text={issue.message} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
