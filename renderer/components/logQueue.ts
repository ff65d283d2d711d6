/**
 * What waits to go into the log view: at most the lines its scrollback keeps, in order, with a gap
 * entry wherever lines were counted but not kept (left out by main in a flood, pushed out here by
 * newer ones, or before a reattached view's tail). Lines already queued are not queued again.
 */
import type { LogLine } from '../../shared/jobs';

export type Queued = { line: LogLine } | { gap: number };

export class ViewQueue {
  private items: Queued[] = [];
  /** The last line queued so far; anything at or before it is a repeat. */
  lastSeq = -1;
  /** When lines last arrived: a queue that is long and still growing is a flood. */
  addedAt = 0;

  constructor(private readonly max: number) {}

  get length(): number {
    return this.items.length;
  }

  /** Queue new lines; returns how many lines were missing between them and the ones before (not counting a tail's start). */
  add(lines: readonly LogLine[]): number {
    this.addedAt = Date.now();
    let missing = 0;
    for (const line of lines) {
      if (line.seq <= this.lastSeq) continue;
      const gap = line.seq - this.lastSeq - 1;
      if (gap > 0 && this.lastSeq >= 0) missing += gap;
      if (gap > 0) this.items.push({ gap });
      this.items.push({ line });
      this.lastSeq = line.seq;
    }
    this.keepNewest(this.max);
    return missing;
  }

  /** Drop all but the newest `count` entries into one gap at the front. */
  keepNewest(count: number): void {
    if (this.items.length <= count) return;
    let dropped = 0;
    for (const item of this.items.splice(0, this.items.length - count)) dropped += 'gap' in item ? item.gap : 1;
    const first = this.items[0];
    if (first && 'gap' in first) first.gap += dropped;
    else this.items.unshift({ gap: dropped });
  }

  /** The next `count` entries, oldest first. */
  take(count: number): Queued[] {
    return this.items.splice(0, count);
  }

  clear(): void {
    this.items = [];
    this.lastSeq = -1;
  }
}
