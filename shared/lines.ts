/**
 * THE line splitter: turns a child's output, chunk by chunk, into the lines a person reads. It
 * runs in main (job logs) and in the renderer alike, so it uses nothing but the language.
 *
 * - A line ends at LF; CRLF counts as one end. A chunk may end anywhere, even inside a character
 *   or between CR and LF: the rest waits for the next chunk.
 * - A bare CR is a progress redraw (`Progress: 40%\rProgress: 41%`): the line keeps its last state.
 * - A very long line is cut at `maxLineLength` characters with a marker saying how much was left
 *   out; the log file keeps every byte because it is written from the raw chunks, not from here.
 * - ANSI colours stay in the text (the view draws them); `stripAnsi` removes them for matching.
 */

export const DEFAULT_MAX_LINE_LENGTH = 8192;

// eslint-disable-next-line no-control-regex
const ansiPattern = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

/** The text without terminal escape sequences (colours, cursor moves, titles). */
export function stripAnsi(text: string): string {
  return text.includes('\x1b') ? text.replace(ansiPattern, '') : text;
}

/** The marker that ends a line cut at the length limit. */
export function truncationMarker(omitted: number): string {
  return ` … [${omitted} more characters cut here; the log file has the whole line]`;
}

export class LineSplitter {
  private readonly maxLineLength: number;
  private readonly decoder = new TextDecoder('utf-8');
  /** The unfinished line so far, already collapsed at bare CRs and capped. */
  private pending = '';
  /** Characters dropped from the pending line by the cap. */
  private omitted = 0;
  /** The previous chunk ended in CR: it is a line end if LF follows, a redraw otherwise. */
  private pendingCr = false;

  constructor(options: { maxLineLength?: number } = {}) {
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  /** Feed a chunk (bytes are decoded as UTF-8, split characters kept for the next chunk); returns the finished lines. */
  push(chunk: string | Uint8Array): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const lines: string[] = [];
    let start = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.startsWith('\n')) {
        lines.push(this.finish(''));
        start = 1;
      } else if (!text.startsWith('\r') && text.length > 0) {
        this.redraw();
      } else if (text.length === 0) {
        this.pendingCr = true;
      }
    }
    for (;;) {
      const lf = text.indexOf('\n', start);
      if (lf === -1) break;
      let end = lf;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      lines.push(this.finish(text.slice(start, end)));
      start = lf + 1;
    }
    if (start < text.length) {
      let rest = text.slice(start);
      if (rest.endsWith('\r')) {
        this.pendingCr = true;
        rest = rest.slice(0, -1);
      }
      this.append(rest);
    }
    return lines;
  }

  /** The last line when the output ended without a line break; empty when there is none. */
  flush(): string[] {
    const tail = this.decoder.decode();
    if (tail) this.append(tail);
    this.pendingCr = false;
    if (this.pending === '' && this.omitted === 0) return [];
    return [this.finish('')];
  }

  /** A bare CR: what follows overwrites the line. */
  private redraw(): void {
    this.pending = '';
    this.omitted = 0;
  }

  private append(segment: string): void {
    if (segment.includes('\r')) {
      // A terminal shows the last text drawn after a CR; a CR with nothing after it changes nothing.
      const parts = segment.split('\r');
      let last = parts.length - 1;
      while (last > 0 && parts[last] === '') last--;
      if (last > 0) this.redraw();
      segment = parts[last]!;
    }
    const room = this.maxLineLength - this.pending.length;
    if (segment.length <= room) {
      this.pending += segment;
    } else {
      this.pending += segment.slice(0, Math.max(0, room));
      this.omitted += segment.length - Math.max(0, room);
    }
  }

  private finish(segment: string): string {
    let line: string;
    if (this.pending === '' && this.omitted === 0 && segment.length <= this.maxLineLength && !segment.includes('\r')) {
      line = segment;
    } else {
      this.append(segment);
      line = this.omitted > 0 ? this.pending + truncationMarker(this.omitted) : this.pending;
    }
    this.pending = '';
    this.omitted = 0;
    return line;
  }
}

/** All the lines of a whole text, split the same way as a stream. */
export function splitLines(text: string, options?: { maxLineLength?: number }): string[] {
  const splitter = new LineSplitter(options);
  return [...splitter.push(text), ...splitter.flush()];
}
