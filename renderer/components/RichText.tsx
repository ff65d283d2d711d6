import { codeSpans } from './codeSpans';

/** An https address in running text, without the punctuation that ends its sentence. */
const httpsUrl = /https:\/\/[^\s`()<>"']*[^\s`()<>"'.,;:!?]/g;

/** Text split into plain parts and https links, so an install hint's address can be clicked. */
export function linkParts(text: string): { link: boolean; text: string }[] {
  const parts: { link: boolean; text: string }[] = [];
  let at = 0;
  for (const match of text.matchAll(httpsUrl)) {
    if (match.index > at) parts.push({ link: false, text: text.slice(at, match.index) });
    parts.push({ link: true, text: match[0] });
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push({ link: false, text: text.slice(at) });
  return parts;
}

/**
 * A message or hint from the services, its `code` parts as code (see codeSpans) and its https
 * addresses as links (Electron opens them only for its documentation hosts: electron/main/security.ts).
 */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {codeSpans(text).map((part, i) =>
        part.code ? (
          <code key={i}>{part.text}</code>
        ) : (
          linkParts(part.text).map((piece, j) =>
            piece.link ? (
              <a key={`${i}.${j}`} href={piece.text} target="_blank" rel="noopener noreferrer">
                {piece.text}
              </a>
            ) : (
              piece.text
            ),
          )
        ),
      )}
    </>
  );
}
