/**
 * The job lock on its own: who holds it is read from the file, a live holder refuses, a gone one
 * (or one whose pid now belongs to another process) is taken over, a half-written lock is waited
 * for, and only the holder's own lock is removed.
 */
import { spawnSync } from 'node:child_process';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDirs } from '../../../fixtures/tmp';
import { AppError } from '../../../shared/errors';
import { LOCK_FILE, labFolderLock } from './lock';
import type * as Time from '../time';
import { delay } from '../time';

// The waits for a half-written lock are counted, and still really waited.
vi.mock('../time', async (actual) => {
  const time = await actual<typeof Time>();
  return { ...time, delay: vi.fn(time.delay) };
});

const tempDir = tempDirs('lock');
const job = { jobId: 'up-1', kind: 'up' as const, startedAt: Date.UTC(2026, 11, 1, 9, 30) };
const onLinux = process.platform === 'linux';

/** Field 22 of /proc/PID/stat, the start time in clock ticks, as the lock records it. */
async function startTicks(pid: number): Promise<string> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** A pid whose process has ended (and been reaped). */
const goneProcessPid = () => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;

async function lockedBy(holder: Record<string, unknown>) {
  const dir = await tempDir();
  const lockFile = path.join(dir, LOCK_FILE);
  await writeFile(
    lockFile,
    JSON.stringify({ hostname: os.hostname(), jobId: 'down-7', kind: 'down', startedAt: job.startedAt, pidStart: null, ...holder }),
  );
  return { dir, lockFile };
}

const holderOf = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

afterEach(() => {
  vi.restoreAllMocks();
  vi.mocked(delay).mockClear();
});

describe('taking the lock', () => {
  it('creates the lock file with who holds it, readable by others, and removes it on release', async () => {
    const dir = await tempDir();
    const lock = labFolderLock(dir);
    await lock.acquire(job);
    const file = path.join(dir, '.cluster-lab.lock');
    expect(await holderOf(file)).toEqual({
      pid: process.pid,
      pidStart: onLinux ? await startTicks(process.pid) : null,
      hostname: os.hostname(),
      ...job,
    });
    expect((await stat(file)).mode & 0o777).toBe(0o644 & ~process.umask());
    await lock.release();
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses while a live process on this computer holds it, naming the job, the process and the time', async () => {
    const { dir, lockFile } = await lockedBy({ pid: process.pid, pidStart: onLinux ? await startTicks(process.pid) : null });
    const error = await labFolderLock(dir)
      .acquire(job)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'busy',
      message: `The down job is already running on this lab (process ${process.pid}, since ${new Date(job.startedAt).toLocaleTimeString()}).`,
      hint: `Cluster Lab runs one job per lab at a time: wait for that one to finish or cancel it where it runs. If no such process exists, delete ${lockFile}.`,
    });
    expect((await holderOf(lockFile)).jobId).toBe('down-7');
  });

  it('refuses a holder on another computer (a shared folder) whatever its pid, and names that computer', async () => {
    const { dir } = await lockedBy({ pid: Number(goneProcessPid()), hostname: 'build-box' });
    await expect(labFolderLock(dir).acquire(job)).rejects.toThrow(/^The down job is already running on this lab \(process \d+ on build-box, since /);
  });

  it('takes over a lock whose process has ended', async () => {
    const { dir, lockFile } = await lockedBy({ pid: Number(goneProcessPid()) });
    await labFolderLock(dir).acquire(job);
    expect(await holderOf(lockFile)).toMatchObject({ jobId: 'up-1', pid: process.pid });
  });

  it.skipIf(!onLinux)('takes over a lock whose pid now belongs to another process (started at another time)', async () => {
    const { dir, lockFile } = await lockedBy({ pid: process.pid, pidStart: '1' });
    await labFolderLock(dir).acquire(job);
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
  });

  it('counts a holder without a recorded start time as alive while its pid is', async () => {
    const { dir } = await lockedBy({ pid: process.pid, pidStart: null });
    await expect(labFolderLock(dir).acquire(job)).rejects.toMatchObject({ code: 'busy' });
  });

  it("counts a pid it may not signal (another user's process) as alive, then checks its start time", async () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    });
    const alive = await lockedBy({ pid: 424242, pidStart: null });
    await expect(labFolderLock(alive.dir).acquire(job)).rejects.toMatchObject({ code: 'busy' });
    expect(kill).toHaveBeenCalledWith(424242, 0);
    if (onLinux) {
      // EPERM, but the pid's start time says it is another process now.
      const recycled = await lockedBy({ pid: process.pid, pidStart: '1' });
      await labFolderLock(recycled.dir).acquire(job);
      expect((await holderOf(recycled.lockFile)).jobId).toBe('up-1');
    }
  });

  it('takes over a broken lock left long ago (a crash mid-write)', async () => {
    const dir = await tempDir();
    const lockFile = path.join(dir, LOCK_FILE);
    await writeFile(lockFile, '{"pid": 12');
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(lockFile, minuteAgo, minuteAgo);
    await labFolderLock(dir).acquire(job);
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
  });

  it('waits for a lock being written this moment and then reads who holds it', async () => {
    const dir = await tempDir();
    const lockFile = path.join(dir, LOCK_FILE);
    await writeFile(lockFile, '');
    // The other process finishes its write while this one waits: on the wait itself, not on a timer's luck.
    vi.mocked(delay).mockImplementationOnce(() =>
      writeFile(lockFile, JSON.stringify({ pid: process.pid, pidStart: null, hostname: os.hostname(), jobId: 'down-7', kind: 'down', startedAt: 0 })),
    );
    await expect(labFolderLock(dir).acquire(job)).rejects.toThrow(/^The down job is already running/);
    expect(delay).toHaveBeenCalledTimes(1);
    expect((await holderOf(lockFile)).jobId).toBe('down-7');
  });

  it('gives up after three tries on a lock that stays half-written, and leaves it', async () => {
    const dir = await tempDir();
    const lockFile = path.join(dir, LOCK_FILE);
    await writeFile(lockFile, 'not json');
    const started = Date.now();
    await expect(labFolderLock(dir).acquire(job)).rejects.toMatchObject({
      code: 'busy',
      message: `Could not take the job lock ${lockFile}.`,
      hint: 'Another job is starting on this lab; try again in a moment.',
    });
    // Three tries, each after a wait of 200 ms: not one, and not a spin.
    expect(vi.mocked(delay).mock.calls).toEqual([[200], [200], [200]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(await readFile(lockFile, 'utf8')).toBe('not json');
  });

  it('says why it cannot create the lock when the folder is not there', async () => {
    const dir = path.join(await tempDir(), 'gone');
    await expect(labFolderLock(dir).acquire(job)).rejects.toMatchObject({
      code: 'io',
      message: `Could not create the job lock ${path.join(dir, LOCK_FILE)}: the folder does not exist.`,
    });
  });
});

describe('releasing the lock', () => {
  it('leaves a lock that another job holds now', async () => {
    const dir = await tempDir();
    const lock = labFolderLock(dir);
    await lock.acquire(job);
    const lockFile = path.join(dir, LOCK_FILE);
    await writeFile(lockFile, JSON.stringify({ pid: process.pid, jobId: 'down-7' }));
    await lock.release();
    expect((await holderOf(lockFile)).jobId).toBe('down-7');
  });

  it('leaves a broken lock, and releases only once', async () => {
    const dir = await tempDir();
    const lock = labFolderLock(dir);
    await lock.acquire(job);
    const lockFile = path.join(dir, LOCK_FILE);
    await writeFile(lockFile, 'not json');
    await lock.release();
    expect(await readFile(lockFile, 'utf8')).toBe('not json');
    // Released: a lock with the same job id written afterwards is no longer this one's to remove.
    await writeFile(lockFile, JSON.stringify({ jobId: 'up-1' }));
    await lock.release();
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
  });

  it('removes nothing when it was never taken', async () => {
    const { dir, lockFile } = await lockedBy({ pid: process.pid, jobId: 'up-1' });
    await labFolderLock(dir).release();
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
  });
});
