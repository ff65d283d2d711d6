/**
 * A generated file as it will be written, highlighted, or its changes against the file on disk.
 * Every character reaches the page as React text: no HTML is ever built from a file's content.
 */
import { useMemo } from 'react';
import { highlight, languageFor, type Token } from './highlight';
import { diffLines, foldUnchanged } from './lineDiff';
import './CodeView.css';

function Tokens({ tokens }: { tokens: Token[] }) {
  return (
    <>
      {tokens.map((token, i) =>
        token.kind === 'plain' ? (
          token.text
        ) : (
          <span key={i} className={`tok-${token.kind}`}>
            {token.text}
          </span>
        ),
      )}
    </>
  );
}

export function CodeView({ name, content, label }: { name: string; content: string; label: string }) {
  const lines = useMemo(() => highlight(content.replace(/\n$/, ''), languageFor(name)), [name, content]);
  return (
    <pre className="code-view" role="region" aria-label={label} tabIndex={0}>
      <code>
        {lines.map((tokens, i) => (
          <div className="code-line" key={i}>
            <span className="line-number" aria-hidden="true">
              {i + 1}
            </span>
            <span className="line-text">
              <Tokens tokens={tokens} />
            </span>
          </div>
        ))}
      </code>
    </pre>
  );
}

const marks = { same: ' ', added: '+', removed: '-' } as const;

export function DiffView({ name, before, after, label }: { name: string; before: string; after: string; label: string }) {
  const rows = useMemo(() => {
    const language = languageFor(name);
    return foldUnchanged(diffLines(before.replace(/\n$/, ''), after.replace(/\n$/, ''))).map((row) =>
      row.kind === 'skipped' ? row : { ...row, tokens: highlight(row.text, language)[0] ?? [] },
    );
  }, [name, before, after]);
  const changes = rows.filter((row) => row.kind === 'added' || row.kind === 'removed').length;
  return (
    <pre className="code-view diff-view" role="region" aria-label={label} tabIndex={0}>
      <code>
        {changes === 0 && <div className="diff-skipped">No changes: the file on disk is what would be written.</div>}
        {rows.map((row, i) =>
          row.kind === 'skipped' ? (
            <div className="diff-skipped" key={i}>
              … {row.count} unchanged line{row.count === 1 ? '' : 's'}
            </div>
          ) : (
            <div className={`code-line diff-${row.kind}`} key={i} data-diff={row.kind}>
              <span className="line-number" aria-hidden="true">
                {row.oldNumber ?? ''}
              </span>
              <span className="line-number" aria-hidden="true">
                {row.newNumber ?? ''}
              </span>
              <span className="diff-mark" aria-hidden="true">
                {marks[row.kind]}
              </span>
              {row.kind !== 'same' && <span className="visually-hidden">{row.kind}: </span>}
              <span className="line-text">
                <Tokens tokens={row.tokens} />
              </span>
            </div>
          ),
        )}
      </code>
    </pre>
  );
}
