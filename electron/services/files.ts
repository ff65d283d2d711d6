/**
 * The one way Cluster Lab writes a file: to a temporary file in the same folder, flushed, then
 * renamed over the target, so a crash or a full disk leaves either the old file or the new one,
 * never half of either.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { delay } from './time';

/**
 * On Windows a rename over a file fails while another program holds it open without sharing delete
 * access: an editor, a virus scanner, the search indexer, a sync client. They let go within moments,
 * so, as graceful-fs does on win32 (polyfills.js, rename: EACCES/EPERM/EBUSY, backoff up by 10 ms to
 * 100 ms), the rename is retried, here for 5 s rather than its 60, so that a file held for good is
 * reported while the user still waits.
 */
export const RENAME_RETRY = { codes: ['EACCES', 'EPERM', 'EBUSY'], totalMs: 5_000, stepMs: 10, maxDelayMs: 100 } as const;

export interface RenameDeps {
  platform: NodeJS.Platform;
  rename: (from: string, to: string) => Promise<void>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

/** The rename, clock and sleep of this process, which renameRetrying uses unless given others. */
export const systemRenameDeps: RenameDeps = {
  platform: process.platform,
  rename,
  sleep: delay,
  now: Date.now,
};

/** rename(), retried on Windows while another program holds the target; then an error that says so. */
export async function renameRetrying(from: string, to: string, deps: RenameDeps = systemRenameDeps): Promise<void> {
  const start = deps.now();
  let wait = 0;
  for (;;) {
    try {
      return await deps.rename(from, to);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (deps.platform !== 'win32' || !(RENAME_RETRY.codes as readonly string[]).includes(code)) throw error;
      if (deps.now() - start >= RENAME_RETRY.totalMs)
        throw new AppError('io', `Could not write ${to}: another program has it open (an editor, a virus scanner or a sync client).`, {
          hint: 'Close the file in that program, or wait for the scan to finish, then try again.',
          cause: error,
        });
      wait = Math.min(wait + RENAME_RETRY.stepMs, RENAME_RETRY.maxDelayMs);
      await deps.sleep(wait);
    }
  }
}

export async function atomicWrite(file: string, content: string | Uint8Array, options: { mode?: number; rename?: RenameDeps } = {}): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let mode = options.mode;
  if (mode === undefined)
    mode = await stat(file).then(
      (s) => s.mode & 0o777,
      () => undefined,
    );
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'wx', mode ?? 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameRetrying(temp, file, options.rename);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw ioError(error, file, 'write');
  }
}

/** A copy of `file` beside it, named with the time, before it is changed; null when there was no file. */
export async function backupFile(file: string, now: Date = new Date()): Promise<string | null> {
  const exists = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) return null;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const backup = `${file}.${stamp}.bak`;
  try {
    await copyFile(file, backup);
  } catch (error) {
    throw ioError(error, backup, 'back up');
  }
  return backup;
}

const permissionDenied: [string, string] = ['permission denied', 'Choose a folder you can write to, or fix its permissions.'];
const fileWhereFolder: [string, string] = ['a file stands where a folder should be', 'Choose another folder, or move that file away.'];
/** What each error code means to a person, and what they can do about it. */
const ioReasons: Record<string, [string, string]> = {
  EACCES: permissionDenied,
  EPERM: permissionDenied,
  EROFS: ['the disk is read-only', 'Choose a folder on a writable disk.'],
  ENOSPC: ['the disk is full', 'Free some space on that disk, or choose a folder on another one.'],
  EDQUOT: ['the disk quota is used up', 'Free some space, or choose a folder on another disk.'],
  ENOTDIR: fileWhereFolder,
  // mkdir (even with recursive) of a path where a file is.
  EEXIST: fileWhereFolder,
  EISDIR: ['a folder stands where a file should be', 'Choose another folder, or move that folder away.'],
  ENOENT: ['the folder does not exist', 'Choose an existing folder.'],
};

/** File-system errors as messages a person can act on. */
export function ioError(error: unknown, file: string, verb: string): AppError {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const [reason, hint] = ioReasons[code ?? ''] ?? [error instanceof Error ? error.message : String(error), 'Check the path and try again.'];
  return new AppError('io', `Could not ${verb} ${file}: ${reason}.`, { hint, cause: error });
}
