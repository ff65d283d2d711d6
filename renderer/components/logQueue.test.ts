import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../shared/jobs';
import { ViewQueue, type Queued } from './logQueue';

const lines = (from: number, to: number): LogLine[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, stream: 'stdout', node: null, text: `line ${from + i}` }));
const shape = (items: Queued[]) => items.map((item) => ('gap' in item ? `gap ${item.gap}` : item.line.seq));

describe('ViewQueue', () => {
  it('keeps order and marks lines main left out', () => {
    const queue = new ViewQueue(10);
    expect(queue.add(lines(0, 2))).toBe(0);
    expect(queue.add(lines(7, 8))).toBe(4);
    expect(shape(queue.take(100))).toEqual([0, 1, 2, 'gap 4', 7, 8]);
  });

  it('keeps only the newest entries and counts what it pushed out in one gap', () => {
    const queue = new ViewQueue(5);
    queue.add(lines(0, 3));
    queue.add(lines(10, 13));
    // 0-3, gap 6, 10-13 is 9 entries: the oldest 4 go and become one gap with the one that was there.
    expect(shape(queue.take(100))).toEqual(['gap 10', 10, 11, 12, 13]);
  });

  it('takes a reattached tail and then live batches that overlap it without repeats', () => {
    const queue = new ViewQueue(100);
    expect(queue.add(lines(40, 49))).toBe(0); // a tail starts where it starts: nothing went missing
    expect(queue.add(lines(45, 52))).toBe(0);
    const items = queue.take(100);
    expect(shape(items)[0]).toBe('gap 40');
    expect(shape(items).slice(1)).toEqual(Array.from({ length: 13 }, (_, i) => 40 + i));
    queue.clear();
    queue.add(lines(0, 0));
    expect(shape(queue.take(1))).toEqual([0]);
  });

  it('stays bounded through a million lines and accounts for every one', () => {
    const queue = new ViewQueue(5000);
    for (let from = 0; from < 1_000_000; from += 20_000) queue.add(lines(from, from + 19_999));
    const items = queue.take(10_000);
    expect(items.filter((item) => 'line' in item)).toHaveLength(5000);
    expect(items).toHaveLength(5001);
    const counted = items.reduce((n, item) => n + ('gap' in item ? item.gap : 1), 0);
    expect(counted).toBe(1_000_000);
  });
});
