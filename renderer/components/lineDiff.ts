/**
 * A line diff (longest common subsequence) between what is on disk and what would be written,
 * folded into hunks with a few lines of context, the way `diff -u` shows it. The files are a few
 * hundred lines at most, so the quadratic table is small.
 */
export type DiffLine = { kind: 'same' | 'added' | 'removed'; text: string; oldNumber: number | null; newNumber: number | null };
export type DiffRow = DiffLine | { kind: 'skipped'; count: number };

export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const width = b.length + 1;
  // lcs[i * width + j]: the common length of a[i..] and b[j..].
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ kind: 'same', text: a[i]!, oldNumber: ++i, newNumber: ++j });
    } else if (i < a.length && (j === b.length || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      // Removals first, as diff -u shows them.
      lines.push({ kind: 'removed', text: a[i]!, oldNumber: ++i, newNumber: null });
    } else {
      lines.push({ kind: 'added', text: b[j]!, oldNumber: null, newNumber: ++j });
    }
  }
  return lines;
}

/** Unchanged runs longer than twice the context shrink to a "skipped" row. */
export function foldUnchanged(lines: DiffLine[], context = 3): DiffRow[] {
  const rows: DiffRow[] = [];
  let run: DiffLine[] = [];
  const flush = (atStart: boolean, atEnd: boolean) => {
    const keepBefore = atStart ? 0 : context;
    const keepAfter = atEnd ? 0 : context;
    if (run.length > keepBefore + keepAfter + 1) {
      rows.push(...run.slice(0, keepBefore), { kind: 'skipped', count: run.length - keepBefore - keepAfter }, ...run.slice(run.length - keepAfter));
    } else rows.push(...run);
    run = [];
  };
  let seenChange = false;
  for (const line of lines) {
    if (line.kind === 'same') {
      run.push(line);
      continue;
    }
    flush(!seenChange, false);
    seenChange = true;
    rows.push(line);
  }
  flush(!seenChange, true);
  return rows;
}
