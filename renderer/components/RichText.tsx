import { codeSpans } from './codeSpans';

/** A message or hint from the services, its `code` parts as code (see codeSpans). */
export function RichText({ text }: { text: string }) {
  return <>{codeSpans(text).map((part, i) => (part.code ? <code key={i}>{part.text}</code> : part.text))}</>;
}
