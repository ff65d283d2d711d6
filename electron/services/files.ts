/**
 * The one way Cluster Lab writes a file: to a temporary file in the same folder, flushed, then
 * renamed over the target, so a crash or a full disk leaves either the old file or the new one,
 * never half of either.
 */
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, readlink, rename, rm, stat } from 'node:fs/promises';
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
  // lstat: a link's target is not what is replaced (rename swaps the link itself), so its mode is not ours to copy.
  if (mode === undefined)
    mode = await lstat(file).then(
      (s) => (s.isFile() ? s.mode & 0o777 : undefined),
      () => undefined,
    );
  try {
    await makeFolders(dir);
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

const atomicTemp = /^\.(.+)\.[0-9a-f]{12}\.tmp$/;
/** The file a temp of atomicWrite's (or of a writer naming its temps alike) was for, or null for any other name. */
export const atomicTempOf = (entry: string): string | null => atomicTemp.exec(entry)?.[1] ?? null;

/**
 * The temp files atomicWrite left behind when its process was killed mid-write (`.NAME.<hex>.tmp`),
 * for the given names in one folder: only plain files, never a link or whatever else sits there.
 * Call it only where no other writer can be at work (a lab under its lock).
 */
export async function sweepAtomicTemps(dir: string, names: ReadonlySet<string>): Promise<string[]> {
  const swept: string[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const name = atomicTempOf(entry);
    if (name === null || !names.has(name)) continue;
    const file = path.join(dir, entry);
    if ((await lstatIfAny(file))?.isFile()) {
      await rm(file, { force: true });
      swept.push(file);
    }
  }
  return swept;
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns where mkdir says ENOENT
 * under a parent that exists: it makes the parent (EEXIST), retries the child, gets ENOENT again,
 * and so on forever at 100% CPU (node 20's MKDirpAsync in src/node_file.cc; mkdir in /proc answers
 * ENOENT). Here each missing level is made once, and any failure is the answer.
 */
export async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const found = await lstatIfAny(at);
    if (found) {
      const folder = await stat(at).catch(() => null);
      if (!folder?.isDirectory()) throw ioError(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }), at, 'create');
      break;
    }
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing) {
    await mkdir(folder).catch(async (error: unknown) => {
      // Made by someone else meanwhile is as good as made here.
      if (
        (error as NodeJS.ErrnoException).code === 'EEXIST' &&
        (await stat(folder).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        return;
      throw ioError(error, folder, 'create');
    });
  }
}

/** What stands at a path, the path's last step not followed. */
export type FileKind = 'file' | 'folder' | 'symlink' | 'fifo' | 'device' | 'socket';

export function fileKind(stats: Stats): FileKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'folder';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  return 'device';
}

const kindWords: Record<Exclude<FileKind, 'file'>, string> = {
  folder: 'a folder',
  symlink: 'a symbolic link',
  fifo: 'a FIFO (named pipe)',
  device: 'a device',
  socket: 'a socket',
};

/** "a folder", "a FIFO (named pipe)"...: what stands at a path, in words. */
export function describeKind(stats: Stats): string {
  const kind = fileKind(stats);
  return kind === 'file' ? 'a file' : kindWords[kind];
}

/** What is at `file` without following a last-step link; null when nothing is there. */
export async function lstatIfAny(file: string): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw ioError(error, file, 'read');
  }
}

/**
 * Something other than a plain file where Cluster Lab reads or writes one: it is never opened (a
 * FIFO would block the read for good) nor followed (a link may lead out of the folder), and never
 * silently replaced, since it is not what Cluster Lab put there.
 */
export async function notAPlainFile(
  file: string,
  stats: Stats,
  hint = 'Move it out of the way (or, if it is yours, put a plain file there), then try again; or choose another folder.',
): Promise<AppError> {
  // Only ever asked about something that is not a plain file.
  const kind = fileKind(stats) as Exclude<FileKind, 'file'>;
  let what = kindWords[kind];
  if (kind === 'symlink') {
    const target = await readlink(file).catch(() => '?');
    const dangling = !(await stat(file).then(
      () => true,
      () => false,
    ));
    what = `a symbolic link to ${target}${dangling ? ' (which does not exist)' : ''}`;
  }
  return new AppError('io', `${file} is ${what}, not a plain file: Cluster Lab neither opens nor replaces it.`, { hint });
}

export interface PlainFileOptions {
  maxBytes: number;
  /** The user's own kubeconfig may be a link into a dotfiles repository; what a lab holds never is. */
  followSymlinks?: boolean;
  /** What the person can do when the file is refused, where the caller knows better than "move it away". */
  hint?: string;
}

/**
 * A plain file's UTF-8 text, or null when nothing is there (or it vanished before it was opened: a
 * lock released meanwhile). Never opens a FIFO or a device, nor follows a link unless asked: lstat
 * first, then an O_NOFOLLOW | O_NONBLOCK open (a FIFO swapped in meanwhile opens at once instead of
 * waiting for a writer) checked again with fstat, so a file swapped in between is refused as well.
 * More than `maxBytes` is refused unread, naming the limit, and so is a file that grew meanwhile.
 */
export async function readPlainFile(file: string, options: PlainFileOptions): Promise<string | null> {
  const { maxBytes, followSymlinks = false } = options;
  const refuse = (what: string, hint = 'Move it out of the way (check where it came from), then try again.') =>
    new AppError('io', `${file} ${what}.`, { hint: options.hint ?? hint });
  const found = followSymlinks
    ? await stat(file).catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw ioError(error, file, 'read');
      })
    : await lstatIfAny(file);
  if (!found) return null;
  if (!found.isFile()) throw await notAPlainFile(file, found, options.hint);
  if (found.size > maxBytes)
    throw refuse(`is larger than ${maxBytes} bytes (${found.size}), more than such a file ever holds: Cluster Lab does not read it`);
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (followSymlinks ? 0 : (constants.O_NOFOLLOW ?? 0));
  let handle;
  try {
    handle = await open(file, flags);
  } catch (error) {
    const again = await lstatIfAny(file);
    // Removed between the lstat and the open: gone, as if never there.
    if (!again && (error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // Swapped for a link (ELOOP) or something else meanwhile.
    if (again && !again.isFile() && !followSymlinks) throw await notAPlainFile(file, again, options.hint);
    throw ioError(error, file, 'read');
  }
  const changed = () => refuse('changed while it was being read', 'Try again once nothing else writes it.');
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw await notAPlainFile(file, opened, options.hint);
    if (!followSymlinks && (opened.ino !== found.ino || opened.dev !== found.dev)) throw changed();
    // One byte more than its size tells a file that grew since the lstat from one that did not.
    const buffer = Buffer.alloc(found.size + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      ({ bytesRead: read } = await handle.read(buffer, length, buffer.length - length, null));
    }
    if (length > found.size) throw changed();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length));
    } catch {
      throw refuse('is not UTF-8 text');
    }
  } catch (error) {
    throw ioError(error, file, 'read');
  } finally {
    await handle.close();
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
