/**
 * Reading the job logs in DIR/logs/: the past jobs of a lab, one past job's log, and the live log
 * of a job another program runs on the lab. A lab folder may come from elsewhere, so only files
 * named by our scheme (logNames.ts) are read, never through a link, never a FIFO or a device, and
 * never more than a bounded piece at a time; a path in the lock record is never used.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, opendir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { PAST_JOBS_MAX, PAST_LOG_MAX_BYTES, type JobKind, type JobStatus, type LogLine, type PastJob } from '../../../shared/jobs';
import { LineSplitter } from '../../../shared/lines';
import { lineNode } from '../../../shared/vagrantOutput';
import { ioError } from '../files';
import { APP_LINE_PREFIX } from './log';
import { logFileName, parseJobId, parseLogFileName } from './logNames';

export const LOGS_FOLDER = 'logs';
/** Names looked at in logs/ before the list stops: a folder of a million files is not read whole. */
const SCAN_MAX_ENTRIES = 10_000;
/** How much of a log's end is read for its last line. */
const LAST_LINE_BYTES = 8 * 1024;

/** A log line as the file holds it: Cluster Lab's own lines are marked, the rest came from the tools (stdout and stderr, as they came). */
export function fileLine(text: string): { stream: LogLine['stream']; text: string } {
  return text.startsWith(APP_LINE_PREFIX) ? { stream: 'app', text: text.slice(APP_LINE_PREFIX.length) } : { stream: 'stdout', text };
}

/** How a job ended, as its last line of ours says (runner.ts writes "KIND finished.", "KIND cancelled." or "KIND failed: why"). */
export function endOf(kind: JobKind, appLine: string): { result: Exclude<JobStatus, 'running'>; message: string | null } | null {
  if (appLine === `${kind} finished.`) return { result: 'succeeded', message: null };
  if (appLine === `${kind} cancelled.`) return { result: 'cancelled', message: null };
  if (appLine.startsWith(`${kind} failed: `)) return { result: 'failed', message: appLine.slice(kind.length + 9) };
  return null;
}

/**
 * The logs folder of lab `dir`, when it is a real folder (never a link: what it points to is not the
 * lab's); null when there is none.
 */
async function logsFolder(dir: string): Promise<string | null> {
  const folder = path.join(dir, LOGS_FOLDER);
  const found = await lstat(folder).catch(() => null);
  if (!found) return null;
  if (!found.isDirectory())
    throw new AppError(
      'io',
      `${folder} is not a folder (${found.isSymbolicLink() ? 'a link' : 'something else'}): Cluster Lab does not read logs there.`,
      {
        hint: 'Move it out of the way; the next job makes the folder again.',
      },
    );
  return folder;
}

/** Open a log file of ours for reading: no link followed, a FIFO or device refused without waiting; null when it is not there (yet). */
async function openLog(file: string): Promise<{ handle: FileHandle; stats: Stats } | null> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP')
      throw new AppError('io', `${file} is a link: Cluster Lab does not follow links in a lab's logs.`, { hint: 'Move it away.' });
    throw ioError(error, file, 'read');
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new AppError('io', `${file} is not a plain file: Cluster Lab does not read it.`, { hint: 'Move it away.' });
  }
  return { handle, stats };
}

/** Up to `length` bytes of `handle` from `position`. */
async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  for (let read = -1; read !== 0 && filled < length; filled += read)
    ({ bytesRead: read } = await handle.read(buffer, filled, length - filled, position + filled));
  return buffer.subarray(0, filled);
}

/** The lines of `bytes` (a piece of the file's end: a first line cut by the start is dropped when `cut`). */
function splitLines(bytes: Buffer, cut: boolean): string[] {
  const splitter = new LineSplitter();
  const start = cut ? bytes.indexOf(10) + 1 : 0;
  if (cut && start === 0) return [];
  return [...splitter.push(bytes.subarray(start)), ...splitter.flush()];
}

/** The last line of ours in the file's end, and how the job ended by it. */
async function lastAppLine(handle: FileHandle, size: number): Promise<string | null> {
  const from = Math.max(0, size - LAST_LINE_BYTES);
  const lines = splitLines(await readAt(handle, from, size - from), from > 0);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = fileLine(lines[i]!);
    if (line.stream === 'app') return line.text;
  }
  return null;
}

async function pastJob(
  folder: string,
  name: string,
  job: { id: string; kind: JobKind; startedAt: number },
  runningId: string | null,
): Promise<PastJob | null> {
  const file = path.join(folder, name);
  const opened = await openLog(file).catch(() => null);
  if (!opened) return null;
  try {
    const running = job.id === runningId;
    const last = running ? null : await lastAppLine(opened.handle, opened.stats.size);
    const end = last === null ? null : endOf(job.kind, last);
    return {
      ...job,
      endedAt: running ? null : Math.round(opened.stats.mtimeMs),
      result: end?.result ?? null,
      running,
      bytes: opened.stats.size,
      logFile: file,
    };
  } finally {
    await opened.handle.close();
  }
}

/** The lab's jobs from its logs/, newest first, at most PAST_JOBS_MAX; `runningId` is the job that runs now (its log is still growing). */
export async function listPastJobs(dir: string, runningId: string | null): Promise<PastJob[]> {
  const folder = await logsFolder(dir);
  if (!folder) return [];
  const found: { name: string; job: NonNullable<ReturnType<typeof parseLogFileName>> }[] = [];
  const entries = await opendir(folder);
  let seen = 0;
  for await (const entry of entries) {
    if (++seen > SCAN_MAX_ENTRIES) break;
    // A link or anything else under a name of ours is not a log of ours.
    const job = entry.isFile() ? parseLogFileName(entry.name) : null;
    if (job) found.push({ name: entry.name, job });
  }
  found.sort((a, b) => b.job.startedAt - a.job.startedAt || (a.name < b.name ? 1 : -1));
  const jobs = await Promise.all(found.slice(0, PAST_JOBS_MAX).map(({ name, job }) => pastJob(folder, name, job, runningId)));
  return jobs.filter((job): job is PastJob => job !== null);
}

/** Lines of a log, numbered from 0, tagged with their machine. */
const toLogLines = (texts: string[], machines: ReadonlySet<string>): LogLine[] =>
  texts.map((text, seq) => {
    const line = fileLine(text);
    return { seq, stream: line.stream, node: line.stream === 'app' ? null : lineNode(line.text, machines), text: line.text };
  });

/** One past job's log: its last PAST_LOG_MAX_BYTES at most (`truncated` when there was more before). */
export async function readPastLog(
  dir: string,
  jobIdText: string,
  machines: ReadonlySet<string>,
  runningId: string | null,
): Promise<{ job: PastJob; lines: LogLine[]; truncated: boolean }> {
  const job = parseJobId(jobIdText);
  const notFound = () =>
    new AppError('not_found', `Lab ${dir} has no log of job ${jobIdText}.`, {
      hint: 'Open the list of past jobs again: the log may have been removed.',
    });
  if (!job) throw notFound();
  const folder = await logsFolder(dir);
  if (!folder) throw notFound();
  const name = logFileName(job.id, job.startedAt);
  const opened = await openLog(path.join(folder, name));
  if (!opened) throw notFound();
  try {
    const { size } = opened.stats;
    const from = Math.max(0, size - PAST_LOG_MAX_BYTES);
    const lines = splitLines(await readAt(opened.handle, from, size - from), from > 0);
    const info = await pastJob(folder, name, job, runningId);
    if (!info) throw notFound();
    return { job: info, lines: toLogLines(lines, machines), truncated: from > 0 };
  } finally {
    await opened.handle.close();
  }
}

/** How much a follower reads in one go, and at most before it lets others run. */
const FOLLOW_CHUNK_BYTES = 256 * 1024;
const FOLLOW_READ_MAX_BYTES = 4 * 2 ** 20;

/**
 * Follows the log file of a job another program runs: each `read()` takes what was appended since
 * (bounded), split into lines. A log already longer than PAST_LOG_MAX_BYTES when following starts
 * is read from that far before its end, the lines before counted as not shown.
 */
export class LogFollower {
  private handle: FileHandle | null = null;
  private offset = 0;
  private readonly splitter = new LineSplitter();
  private reading: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    /** The file, by our naming scheme inside the lab's own logs/ (never a path from the lock). */
    readonly file: string,
    private readonly onLine: (stream: LogLine['stream'], text: string) => void,
  ) {}

  /** Read what was appended; one read at a time (a watch event and the poll may ask together). */
  read(): Promise<number> {
    const next = this.reading.then(() => this.readOnce());
    this.reading = next.then(
      () => {},
      () => {},
    );
    return next;
  }

  /** Returns how many bytes it read (0: none were there). */
  private async readOnce(): Promise<number> {
    if (this.closed) return 0;
    if (!this.handle) {
      // O_NOFOLLOW guards the name alone: a logs/ that is a link would lead the read elsewhere.
      const folder = await logsFolder(path.dirname(path.dirname(this.file))).catch((error: unknown) => {
        this.onLine('app', error instanceof Error ? error.message : String(error));
        this.closed = true;
        return null;
      });
      if (!folder) return 0;
      const opened = await openLog(this.file);
      if (!opened) return 0;
      if (this.closed) {
        await opened.handle.close();
        return 0;
      }
      this.handle = opened.handle;
      if (opened.stats.size > PAST_LOG_MAX_BYTES) {
        this.offset = opened.stats.size - PAST_LOG_MAX_BYTES;
        const skipped = await readAt(this.handle, this.offset, FOLLOW_CHUNK_BYTES);
        const newline = skipped.indexOf(10);
        this.offset += newline + 1;
        this.onLine('app', `… the first ${this.offset.toLocaleString('en')} bytes of this log are not shown here: the log file has them.`);
      }
    }
    let budget = FOLLOW_READ_MAX_BYTES;
    while (budget > 0 && !this.closed) {
      const bytes = await readAt(this.handle, this.offset, Math.min(FOLLOW_CHUNK_BYTES, budget));
      if (bytes.length === 0) break;
      this.offset += bytes.length;
      budget -= bytes.length;
      for (const text of this.splitter.push(bytes)) {
        const line = fileLine(text);
        this.onLine(line.stream, line.text);
      }
    }
    return FOLLOW_READ_MAX_BYTES - budget;
  }

  /** The job has ended: the rest of the file, its last line even without a line break, then close. */
  async finish(): Promise<void> {
    // Its writer has let go of the lock: the file grows no more, but a last flood may take a few reads.
    for (let reads = 0; reads < 16 && (await this.read()) > 0; reads++);
    for (const text of this.splitter.flush()) {
      const line = fileLine(text);
      this.onLine(line.stream, line.text);
    }
    await this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.reading;
    await this.handle?.close().catch(() => {});
    this.handle = null;
  }
}
