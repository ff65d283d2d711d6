import { describe, expect, it } from 'vitest';
import { formatDuration } from './duration';

describe('formatDuration', () => {
  it('says seconds, then minutes and seconds, then hours and minutes', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(999)).toBe('0 s');
    expect(formatDuration(59_999)).toBe('59 s');
    expect(formatDuration(60_000)).toBe('1 min 0 s');
    expect(formatDuration(72_400)).toBe('1 min 12 s');
    expect(formatDuration(3_599_000)).toBe('59 min 59 s');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
  });

  it('never counts backwards: a clock that is behind the job start says 0 s', () => {
    expect(formatDuration(-5_000)).toBe('0 s');
  });
});
