/**
 * One job's log: the file gets every byte as it arrives, the lines are split per stream and counted,
 * and batches go to the views a few times a second, each carrying at most the lines a view's bounded
 * scrollback would keep, so no consumer ever chokes on what it would drop.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { LOG_FLOOD_BATCH_LINES, type LogLine } from '../../../shared/jobs';
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

/** What a child's lines tell of where it stopped: the machine its last tagged line spoke for, and that machine's last `==> name: action`. */
export interface WhereItStopped {
  node: string | null;
  action: string | null;
}

const CHILD_TAIL_LINES = 200;

/** What starts Cluster Lab's own lines in the log file (the views show them apart). */
export const APP_LINE_PREFIX = '[cluster-lab] ';

/**
 * One child's part of the log. Children may run side by side (one `vagrant up` per agent), so
 * the file takes each child's output a whole line at a time: lines of two children never cut into
 * each other, and every byte of each still reaches the file.
 */
export class ChildLog {
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private readonly partial: { stdout: Uint8Array | null; stderr: Uint8Array | null } = { stdout: null, stderr: null };
  private tail: LogLine[] = [];

  constructor(private readonly log: JobLog) {}

  /** Returns false when the file cannot take more for now: the caller stops reading until `whenDrained`. */
  chunk(stream: 'stdout' | 'stderr', chunk: Uint8Array): boolean {
    let more = true;
    // A line ends at LF, or at CR (download progress redraws itself with CR alone): either may be cut after.
    const end = Math.max(chunk.lastIndexOf(10), chunk.lastIndexOf(13));
    if (end < 0) this.partial[stream] = this.partial[stream] ? Buffer.concat([this.partial[stream], chunk]) : Buffer.from(chunk);
    else {
      const whole = chunk.subarray(0, end + 1);
      more = this.log.write(this.partial[stream] ? Buffer.concat([this.partial[stream], whole]) : whole);
      this.partial[stream] = end + 1 < chunk.length ? Buffer.from(chunk.subarray(end + 1)) : null;
    }
    for (const text of this.splitters[stream].push(chunk)) this.keep(this.log.add(stream, text));
    return more;
  }

  whenDrained(then: () => void): void {
    this.log.whenDrained(then);
  }

  /** The child has ended: its last line, even without a line break, is filed and split. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream];
      if (rest) this.log.write(Buffer.concat([rest, Buffer.from('\n')]));
      this.partial[stream] = null;
      for (const text of this.splitters[stream].flush()) this.keep(this.log.add(stream, text));
    }
  }

  private keep(line: LogLine): void {
    this.tail.push(line);
    if (this.tail.length >= 2 * CHILD_TAIL_LINES) this.tail = this.tail.slice(-CHILD_TAIL_LINES);
  }

  /** This child's last lines, tagged with their machine. */
  lastLines(count: number): LogLine[] {
    return this.tail.slice(-count).map((line) => this.log.tag(line));
  }

  whereItStopped(): WhereItStopped {
    let node: string | null = null;
    for (let i = this.tail.length - 1; i >= 0; i--) {
      const line = this.log.tag(this.tail[i]!);
      if (!line.node || (node !== null && line.node !== node)) continue;
      node = line.node;
      const action = /^==> [^:]+: (.*)$/.exec(stripAnsi(line.text))?.[1];
      if (action) return { node, action };
    }
    return { node, action: null };
  }
}

/**
 * A job's lines on their way to the views: numbered, batched a few times a second (at most what a
 * view's scrollback keeps, the rest counted as omitted), with a tail for a view that arrives late.
 * A job run here feeds it from its children; another program's job from its log file (follow.ts).
 */
export class LineBatches {
  private pending: LogLine[] = [];
  private omitted = 0;
  private tail: LogLine[] = [];
  private readonly timer: NodeJS.Timeout;
  seq = 0;

  constructor(
    private readonly machines: ReadonlySet<string>,
    private readonly options: LogOptions,
    private readonly emit: (lines: LogLine[], omitted: number, total: number) => void,
    private readonly onLine?: (line: LogLine) => void,
  ) {
    this.timer = setInterval(() => this.flush(), options.batchMs);
  }

  add(stream: LogLine['stream'], text: string): LogLine {
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
    return line;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const max =
      this.pending.length > this.options.maxBatchLines ? Math.min(LOG_FLOOD_BATCH_LINES, this.options.maxBatchLines) : this.options.maxBatchLines;
    const omitted = this.omitted + Math.max(0, this.pending.length - max);
    const lines = this.pending.length > max ? this.pending.slice(-max) : this.pending;
    this.pending = [];
    this.omitted = 0;
    for (const line of lines) this.tag(line);
    this.emit(lines, omitted, this.seq);
  }

  tag(line: LogLine): LogLine {
    if (line.node === null && line.stream !== 'app') line.node = lineNode(line.text, this.machines);
    return line;
  }

  lastLines(count: number): LogLine[] {
    return this.tail.slice(-count).map((line) => this.tag(line));
  }

  /** No more batches on a timer; what is pending goes now. */
  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

/** One job's log: the file (every byte), the lines (split per child and stream), the batches, the tail. */
export class JobLog extends LineBatches {
  private readonly file: WriteStream;
  private fileError: Error | null = null;

  constructor(
    readonly path: string,
    machines: ReadonlySet<string>,
    options: LogOptions,
    emit: (lines: LogLine[], omitted: number, total: number) => void,
    onLine?: (line: LogLine) => void,
  ) {
    super(machines, options, emit, onLine);
    // A child writes 64 KiB at a time: with the default 16 KiB mark every chunk would pause it until
    // the disk caught up. A few MiB in flight still bound memory, and a slow disk still sets the pace.
    this.file = createWriteStream(path, { flags: 'a', highWaterMark: 4 * 2 ** 20 });
    this.file.on('error', (error) => (this.fileError = error));
  }

  /** A child's own part of the log, for as long as it runs. */
  child(): ChildLog {
    return new ChildLog(this);
  }

  /** Whole lines only (ChildLog and app() see to it); false when the file wants the writer to wait. */
  write(bytes: Uint8Array | string): boolean {
    return this.file.write(bytes) || this.fileError !== null;
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

  /** Cluster Lab's own line. */
  app(text: string): void {
    this.write(`${APP_LINE_PREFIX}${text}\n`);
    this.add('app', text);
  }

  async close(): Promise<void> {
    this.stop();
    await new Promise<void>((resolve) => this.file.end(() => resolve()));
    if (this.fileError) throw ioError(this.fileError, this.path, 'write the log');
  }
}
