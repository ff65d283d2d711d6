/** Small helpers for measured figures: medians and the printed table. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function timeMedian(runs: number, work: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return round(median(times));
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export function table(rows: [string, string | number, string][]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value, target]) => `  ${name.padEnd(width)}  ${String(value).padStart(12)}  ${target}`).join('\n');
}
