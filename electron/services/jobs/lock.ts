/**
 * The lab folder's job lock: a file created exclusively, holding the owner's pid and start time.
 * It is what keeps the app and the CLI (two processes) from running two jobs on one lab; a lock
 * whose process is gone is stale and taken over.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { JobKind } from '../../../shared/jobs';
import { ioError } from '../files';
import { delay } from '../time';

export const LOCK_FILE = '.cluster-lab.lock';

interface LockHolder {
  pid: number;
  /** The holder's start time as the OS counts it (Linux), so a recycled pid is not taken for the holder. */
  pidStart: string | null;
  hostname: string;
  jobId: string;
  kind: JobKind;
  startedAt: number;
}

/** Linux: the process's start time in clock ticks since boot (field 22 of /proc/PID/stat); null elsewhere (no /proc). */
async function processStart(pid: number): Promise<string | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return text?.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

async function holderAlive(holder: LockHolder): Promise<boolean> {
  if (holder.hostname !== os.hostname()) return true; // a folder shared with another machine: its processes are not ours to judge
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = await processStart(holder.pid);
  return start === null || holder.pidStart === null || start === holder.pidStart;
}

/** The lock of the lab folder `dir`: acquire before a job starts, release when it has ended. */
export function labFolderLock(dir: string) {
  const file = path.join(dir, LOCK_FILE);
  let held: string | null = null;
  return {
    async acquire(job: { jobId: string; kind: JobKind; startedAt: number }): Promise<void> {
      const holder: LockHolder = { pid: process.pid, pidStart: await processStart(process.pid), hostname: os.hostname(), ...job };
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const handle = await open(file, 'wx', 0o644);
          await handle.writeFile(JSON.stringify(holder));
          await handle.close();
          held = job.jobId;
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(error, file, 'create the job lock');
        }
        const text = await readFile(file, 'utf8').catch(() => null);
        let other: LockHolder | null = null;
        try {
          other = text ? (JSON.parse(text) as LockHolder) : null;
        } catch {
          // Not JSON (yet): as good as no holder, judged by its age below.
        }
        if (other && (await holderAlive(other)))
          throw new AppError(
            'busy',
            `The ${other.kind} job is already running on this lab (process ${other.pid}${other.hostname !== os.hostname() ? ` on ${other.hostname}` : ''}, since ${new Date(other.startedAt).toLocaleTimeString()}).`,
            {
              hint: `Cluster Lab runs one job per lab at a time: wait for that one to finish or cancel it where it runs. If no such process exists, delete ${file}.`,
            },
          );
        if (!other) {
          // Half-written by a process that is creating it this very moment, or left broken by a crash.
          const age = await stat(file).then(
            (s) => Date.now() - s.mtimeMs,
            () => Infinity,
          );
          if (age < 5_000) {
            await delay(200);
            continue;
          }
        }
        await rm(file, { force: true });
      }
      throw new AppError('busy', `Could not take the job lock ${file}.`, { hint: 'Another job is starting on this lab; try again in a moment.' });
    },
    /** Remove the lock if it is still ours. */
    async release(): Promise<void> {
      const text = await readFile(file, 'utf8').catch(() => null);
      try {
        if (text && (JSON.parse(text) as LockHolder).jobId === held) await rm(file, { force: true });
      } catch {
        // someone else's broken lock: not ours to remove
      }
      held = null;
    },
  };
}
