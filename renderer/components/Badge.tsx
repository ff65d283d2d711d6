/**
 * A status badge whose colour says what the state means, named once for every panel: success (all
 * is well), warning (act on it), danger (broken), neutral (a fact, neither good nor bad).
 */
import type { ReactNode } from 'react';

export type Tone = 'success' | 'warning' | 'danger' | 'neutral';

const toneClass: Record<Tone, string> = { success: 'ok', warning: 'warn', danger: 'fail', neutral: 'quiet' };

export function Badge({ tone, children }: { tone: Tone; children: ReactNode }) {
  return <span className={`badge ${toneClass[tone]}`}>{children}</span>;
}
