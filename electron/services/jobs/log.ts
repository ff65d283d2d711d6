/**
 * One job's log: the file gets every byte as it arrives, the lines are split per stream and counted,
 * and batches go to the views a few times a second, each carrying at most the lines a view's bounded
 * scrollback would keep, so no consumer ever chokes on what it would drop.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { LogLine } from '../../../shared/jobs';
import { LineSplitter, stripAnsi } from '../../../shared/lines';
import { lineNode } from '../../../shared/vagrantOutput';
import { ioError } from '../files';

export interface LogOptions {
  /** How often lines go to the views. */
  batchMs: number;
  /** The most lines one batch carries; the ones before them are counted as omitted. */
  maxBatchLines: number;
  /** Lines kept for a view that attaches late (a reloaded page). */
  tailLines: number;
}

/** One job's log: the file (every byte), the lines (split per stream), the batches, the tail. */
export class JobLog {
  private readonly file: WriteStream;
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private pending: LogLine[] = [];
  private omitted = 0;
  private tail: LogLine[] = [];
  private readonly timer: NodeJS.Timeout;
  private childRunning = false;
  private appLinesForFile: string[] = [];
  private fileError: Error | null = null;
  seq = 0;

  constructor(
    readonly path: string,
    private readonly machines: ReadonlySet<string>,
    private readonly options: LogOptions,
    private readonly emit: (lines: LogLine[], omitted: number, total: number) => void,
    private readonly onLine?: (line: LogLine) => void,
  ) {
    this.file = createWriteStream(path, { flags: 'a' });
    this.file.on('error', (error) => (this.fileError = error));
    this.timer = setInterval(() => this.flush(), options.batchMs);
  }

  childStarted(): void {
    this.childRunning = true;
  }

  /** Returns false when the file cannot take more for now: the caller stops reading until `whenDrained`. */
  chunk(stream: 'stdout' | 'stderr', chunk: Uint8Array): boolean {
    const more = this.file.write(chunk);
    for (const text of this.splitters[stream].push(chunk)) this.add(stream, text);
    return more || this.fileError !== null;
  }

  whenDrained(then: () => void): void {
    const done = () => {
      this.file.off('drain', done);
      this.file.off('error', done);
      then();
    };
    this.file.once('drain', done);
    this.file.once('error', done);
  }

  childEnded(): void {
    for (const stream of ['stdout', 'stderr'] as const) for (const text of this.splitters[stream].flush()) this.add(stream, text);
    this.childRunning = false;
    for (const text of this.appLinesForFile) this.file.write(text);
    this.appLinesForFile = [];
  }

  /** Cluster Lab's own line; in the file it waits for a running child's output to end, so no line of theirs is cut. */
  app(text: string): void {
    const entry = `[cluster-lab] ${text}\n`;
    if (this.childRunning) this.appLinesForFile.push(entry);
    else this.file.write(entry);
    this.add('app', text);
  }

  private add(stream: LogLine['stream'], text: string): void {
    // Which node a line speaks for is worked out only for lines someone sees (a batch, the tail,
    // the CLI): in a flood most lines are counted and filed, never shown.
    const line: LogLine = { seq: this.seq++, stream, node: null, text };
    if (this.onLine) this.onLine(this.tag(line));
    const max = this.options.maxBatchLines;
    this.pending.push(line);
    if (this.pending.length >= 2 * max) {
      this.omitted += this.pending.length - max;
      this.pending = this.pending.slice(-max);
    }
    this.tail.push(line);
    if (this.tail.length >= 2 * this.options.tailLines) this.tail = this.tail.slice(-this.options.tailLines);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const max = this.options.maxBatchLines;
    const omitted = this.omitted + Math.max(0, this.pending.length - max);
    const lines = this.pending.length > max ? this.pending.slice(-max) : this.pending;
    this.pending = [];
    this.omitted = 0;
    for (const line of lines) this.tag(line);
    this.emit(lines, omitted, this.seq);
  }

  private tag(line: LogLine): LogLine {
    if (line.node === null && line.stream !== 'app') line.node = lineNode(line.text, this.machines);
    return line;
  }

  lastLines(count: number): LogLine[] {
    return this.tail.slice(-count).map((line) => this.tag(line));
  }

  /** The machine the last tagged line of the tail spoke for, and its last `==> name: action`. */
  whereItStopped(): { node: string | null; action: string | null } {
    let node: string | null = null;
    for (let i = this.tail.length - 1; i >= 0; i--) {
      const line = this.tag(this.tail[i]!);
      if (!line.node || (node !== null && line.node !== node)) continue;
      node = line.node;
      const action = /^==> [^:]+: (.*)$/.exec(stripAnsi(line.text))?.[1];
      if (action) return { node, action };
    }
    return { node, action: null };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    await new Promise<void>((resolve) => this.file.end(() => resolve()));
    if (this.fileError) throw ioError(this.fileError, this.path, 'write the log');
  }
}
