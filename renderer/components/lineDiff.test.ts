import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, foldUnchanged } from './lineDiff';

const text = fc.array(fc.constantFrom('a', 'b', 'c', 'vb.memory = 4096', ''), { maxLength: 30 }).map((lines) => lines.join('\n'));

describe('diffLines', () => {
  it('always rebuilds both sides, and marks nothing when they are equal', () => {
    fc.assert(
      fc.property(text, text, (before, after) => {
        const lines = diffLines(before, after);
        expect(lines.filter((l) => l.kind !== 'added').map((l) => l.text)).toEqual(before.split('\n'));
        expect(lines.filter((l) => l.kind !== 'removed').map((l) => l.text)).toEqual(after.split('\n'));
        if (before === after) expect(lines.every((l) => l.kind === 'same')).toBe(true);
      }),
    );
  });

  it('shows a one-line change as one removal and one addition, with line numbers', () => {
    const lines = diffLines('x\nvb.memory = 4096\ny', 'x\nvb.memory = 2048\ny');
    expect(lines.filter((l) => l.kind !== 'same')).toEqual([
      { kind: 'removed', text: 'vb.memory = 4096', oldNumber: 2, newNumber: null },
      { kind: 'added', text: 'vb.memory = 2048', oldNumber: null, newNumber: 2 },
    ]);
  });
});

describe('foldUnchanged', () => {
  it('keeps three lines of context around a change and folds the rest', () => {
    const before = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const after = [...before];
    after[20] = 'changed';
    const rows = foldUnchanged(diffLines(before.join('\n'), after.join('\n')));
    expect(rows.map((r) => (r.kind === 'skipped' ? `…${r.count}` : r.kind))).toEqual([
      '…17',
      'same',
      'same',
      'same',
      'removed',
      'added',
      'same',
      'same',
      'same',
      '…16',
    ]);
  });
});
