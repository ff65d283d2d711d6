/** A byte count as a person reads it, in binary units: `512 B`, `64.0 KiB`, `215.3 MiB`, `1.20 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** A download under way: one file, how far, how fast. */
export interface TransferProgress {
  file: string;
  /** Bytes of the file so far, resumed ones included. */
  bytes: number;
  total: number | null;
  /** Bytes a second over this attempt. */
  rate: number;
  etaSeconds: number | null;
}

/**
 * `k3s: 12.0 MiB of 64.0 MiB, 3.1 MiB/s, 17 s left`: the log's line and the Run step's caption alike.
 * A rate of 0 is a download no bytes reach any more: `stalled`.
 */
export function transferText(p: TransferProgress): string {
  const done = p.total !== null && p.bytes === p.total;
  const left = done || p.etaSeconds === null ? '' : `, ${Math.ceil(p.etaSeconds)} s left`;
  const speed = p.rate > 0 || done ? `${formatBytes(p.rate)}/s` : 'stalled';
  return `${p.file}: ${formatBytes(p.bytes)}${p.total === null ? '' : ` of ${formatBytes(p.total)}`}, ${speed}${left}`;
}
