/**
 * Service messages and hints are shared with the CLI, where `backticks` mark a command or a file
 * as Markdown does; the page shows those parts as code instead of the raw marks.
 */
export type TextPart = { code: boolean; text: string };

export function codeSpans(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const pattern = /`([^`\n]+)`/g;
  let at = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > at) parts.push({ code: false, text: text.slice(at, match.index) });
    parts.push({ code: true, text: match[1]! });
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push({ code: false, text: text.slice(at) });
  return parts;
}
