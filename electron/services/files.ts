/**
 * The one way Cluster Lab writes a file: to a temporary file in the same folder, flushed, then
 * renamed over the target, so a crash or a full disk leaves either the old file or the new one,
 * never half of either.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';

export async function atomicWrite(file: string, content: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
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
    await rename(temp, file);
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

/** File-system errors as messages a person can act on. */
export function ioError(error: unknown, file: string, verb: string): AppError {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const reasons: Record<string, [string, string]> = {
    EACCES: ['permission denied', 'Choose a folder you can write to, or fix its permissions.'],
    EPERM: ['permission denied', 'Choose a folder you can write to, or fix its permissions.'],
    EROFS: ['the disk is read-only', 'Choose a folder on a writable disk.'],
    ENOSPC: ['the disk is full', 'Free some space on that disk, or choose a folder on another one.'],
    EDQUOT: ['the disk quota is used up', 'Free some space, or choose a folder on another disk.'],
    ENOTDIR: ['a file stands where a folder should be', 'Choose another folder, or move that file away.'],
    EISDIR: ['a folder stands where a file should be', 'Choose another folder, or move that folder away.'],
    ENOENT: ['the folder does not exist', 'Choose an existing folder.'],
  };
  const [reason, hint] = reasons[code ?? ''] ?? [error instanceof Error ? error.message : String(error), 'Check the path and try again.'];
  return new AppError('io', `Could not ${verb} ${file}: ${reason}.`, { hint, cause: error });
}
