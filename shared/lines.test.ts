import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, splitLines, stripAnsi, truncationMarker } from './lines';

const feed = (chunks: (string | Uint8Array)[], options?: { maxLineLength?: number }) => {
  const splitter = new LineSplitter(options);
  return [...chunks.flatMap((c) => splitter.push(c)), ...splitter.flush()];
};

describe('LineSplitter', () => {
  it('joins partial chunks and keeps a last line without a break', () => {
    expect(feed(['==> ser', 'ver: Boot', 'ing VM...\n    server: SSH', ' address: 127.0.0.1:2222\nlast'])).toEqual([
      '==> server: Booting VM...',
      '    server: SSH address: 127.0.0.1:2222',
      'last',
    ]);
  });

  it('treats CRLF as one line end, also when CR and LF arrive in different chunks', () => {
    expect(feed(['one\r\ntwo\r', '\nthree\r\n'])).toEqual(['one', 'two', 'three']);
  });

  it('keeps the last state of a carriage-return progress line', () => {
    expect(feed(['Progress: 10%\rProgress: 5', '0%\r', 'Progress: 100%\r\ndone\n'])).toEqual(['Progress: 100%', 'done']);
    expect(splitLines('almost\r\n')).toEqual(['almost']);
    expect(splitLines('kept\r\r\n')).toEqual(['kept']);
  });

  it('decodes UTF-8 split between chunks', () => {
    const bytes = new TextEncoder().encode('größe ✓\n');
    expect(feed([bytes.slice(0, 3), bytes.slice(3, 9), bytes.slice(9)])).toEqual(['größe ✓']);
  });

  it('cuts a very long line with a marker that says how much was left out', () => {
    const lines = feed(['x'.repeat(30), 'y'.repeat(30), '\nshort\n'], { maxLineLength: 40 });
    expect(lines).toEqual([`${'x'.repeat(30)}${'y'.repeat(10)}${truncationMarker(20)}`, 'short']);
  });

  it('keeps ANSI colours in the text and strips them for matching', () => {
    const [line] = splitLines('\x1b[0;32m==> server: Machine booted and ready!\x1b[0m\n');
    expect(line).toContain('\x1b[0;32m');
    expect(stripAnsi(line!)).toBe('==> server: Machine booted and ready!');
  });

  it('gives the same lines however the text is cut into chunks', () => {
    const text = fc.array(fc.constantFrom('a', 'b', ' ', '\n', '\r', '\r\n', 'é', '\x1b[1m'), { maxLength: 200 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.array(fc.nat(200), { maxLength: 8 }), (t, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (t.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((p, i, all) => t.slice(p, all[i + 1] ?? t.length));
        expect(feed(chunks)).toEqual(splitLines(t));
      }),
    );
  });

  it('splits 100,000 lines in order without losing one', () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `    agent1: line ${i}`).join('\n') + '\n';
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 65_536) chunks.push(text.slice(i, i + 65_536));
    const lines = feed(chunks);
    expect(lines).toHaveLength(100_000);
    expect(lines.every((line, i) => line === `    agent1: line ${i}`)).toBe(true);
  });
});
