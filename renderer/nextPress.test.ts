import { describe, expect, it } from 'vitest';
import { NextPress } from './nextPress';

describe('NextPress: one press of Next, one step', () => {
  it('takes the first click of a double click and ignores the second (detail 2), so Review is never skipped', () => {
    const next = new NextPress();
    expect(next.press(1)).toBe(true);
    next.landed();
    // The second click of the double click comes after the new step has rendered: still the same press.
    expect(next.press(2)).toBe(false);
    expect(next.press(3)).toBe(false);
    expect(next.press(1)).toBe(true);
  });

  it('ignores any press, keyboard (detail 0) included, until the step it started has landed', () => {
    const next = new NextPress();
    expect(next.press(0)).toBe(true);
    expect(next.press(0)).toBe(false);
    expect(next.press(1)).toBe(false);
    next.landed();
    expect(next.press(0)).toBe(true);
  });
});
