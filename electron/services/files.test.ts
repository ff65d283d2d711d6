import { chmod, lstat, mkdir, readdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../fixtures/tmp';
import { AppError } from '../../shared/errors';
import { atomicWrite, backupFile, ioError, makeFolders, readPlainFile, renameRetrying, systemRenameDeps, type RenameDeps } from './files';
import { runTool } from './process';

const tempDir = tempDirs('files');
const asRoot = process.getuid?.() === 0;

const errno = (code: string) => Object.assign(new Error(`${code}: operation not permitted, rename`), { code });

/** A rename that fails with `code` for the first `failures` calls, on a clock the sleeps advance. */
function flakyRename(platform: NodeJS.Platform, code: string, failures: number) {
  let clock = 0;
  const sleeps: number[] = [];
  let calls = 0;
  const deps: RenameDeps = {
    platform,
    rename: async () => {
      calls++;
      if (calls <= failures) throw errno(code);
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
  };
  return { deps, sleeps, calls: () => calls };
}

describe('rename on Windows while another program holds the file', () => {
  it('retries with a growing pause, as graceful-fs does, and succeeds when the program lets go', async () => {
    const { deps, sleeps, calls } = flakyRename('win32', 'EPERM', 3);
    await renameRetrying('a.tmp', 'a', deps);
    expect(calls()).toBe(4);
    expect(sleeps).toEqual([10, 20, 30]);
  });

  it('gives up after 5 s and says the file is in use, not "permission denied"', async () => {
    const { deps, sleeps } = flakyRename('win32', 'EBUSY', Infinity);
    const error = await renameRetrying('a.tmp', 'C:\\labs\\demo\\Vagrantfile', deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'io',
      message: 'Could not write C:\\labs\\demo\\Vagrantfile: another program has it open (an editor, a virus scanner or a sync client).',
      hint: 'Close the file in that program, or wait for the scan to finish, then try again.',
      cause: expect.objectContaining({ code: 'EBUSY' }),
    });
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5_000);
    expect(Math.max(...sleeps)).toBe(100);
  });

  it('sleeps for real by default, for the time asked', async () => {
    const started = Date.now();
    await systemRenameDeps.sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
    expect(systemRenameDeps.platform).toBe(process.platform);
  });

  it('counts the 5 s from its first try, on whatever clock, and tries once more at 5 s less a millisecond', async () => {
    const at = (elapsed: number[]) => {
      const start = 1_700_000_000_000;
      const times = [start, ...elapsed.map((ms) => start + ms)];
      let tries = 0;
      const deps: RenameDeps = {
        platform: 'win32',
        rename: async () => {
          tries++;
          throw errno('EACCES');
        },
        sleep: async () => {},
        now: () => times.shift() ?? start + 10_000,
      };
      return renameRetrying('a.tmp', 'a', deps).catch(() => tries);
    };
    expect(await at([4_999, 5_000])).toBe(2);
    expect(await at([5_000])).toBe(1);
  });

  it('does not retry elsewhere, nor errors a retry cannot fix', async () => {
    for (const [platform, code] of [
      ['linux', 'EPERM'],
      ['darwin', 'EACCES'],
      ['win32', 'ENOSPC'],
    ] as const) {
      const { deps, calls } = flakyRename(platform, code, 1);
      await expect(renameRetrying('a.tmp', 'a', deps)).rejects.toMatchObject({ code });
      expect(calls()).toBe(1);
    }
  });
});

describe('atomicWrite', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });

  /** The process's open file descriptors (Linux), to see that a write leaves none open. */
  const openFiles = async () => (process.platform === 'linux' ? (await readdir('/proc/self/fd')).length : 0);

  it('writes a new file, and its folder, with the real rename, leaving nothing open or beside it', async () => {
    const file = path.join(dir, 'lab', 'Vagrantfile');
    const before = await openFiles();
    await atomicWrite(file, 'Vagrant.configure("2")\n');
    expect(await readFile(file, 'utf8')).toBe('Vagrant.configure("2")\n');
    expect((await stat(file)).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(await readdir(path.dirname(file))).toEqual(['Vagrantfile']);
    expect(await openFiles()).toBe(before);
  });

  it('gives a new file the mode asked for, and that mode over an existing file’s', async () => {
    const file = path.join(dir, 'kubeconfig');
    await atomicWrite(file, 'a', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await chmod(file, 0o644);
    await atomicWrite(file, 'b', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('closes the temporary file and removes it when writing it fails', async () => {
    const before = await openFiles();
    const file = path.join(dir, 'lab.json');
    const refusing = { [Symbol.iterator]: null } as unknown as string;
    await expect(atomicWrite(file, refusing)).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(/^Could not write .*lab\.json: /) });
    expect(await readdir(dir)).toEqual([]);
    expect(await openFiles()).toBe(before);
  });

  it('leaves the old file whole and no temporary file when the final step fails (no root needed)', async () => {
    const file = path.join(dir, 'lab.json');
    await writeFile(file, '{"old":true}\n');
    const failingRename: RenameDeps = { platform: 'linux', rename: async () => Promise.reject(errno('ENOSPC')), sleep: async () => {}, now: () => 0 };
    await expect(atomicWrite(file, '{"new":true}\n', { rename: failingRename })).rejects.toThrow(/the disk is full/);
    expect(await readFile(file, 'utf8')).toBe('{"old":true}\n');
    expect(await readdir(dir)).toEqual(['lab.json']);
  });

  it('writes the whole new content and keeps the file’s mode (a 0600 kubeconfig stays 0600)', async () => {
    const file = path.join(dir, 'config');
    await writeFile(file, 'old', { mode: 0o600 });
    let renamedFrom = '';
    await atomicWrite(file, 'new content', {
      rename: { platform: 'linux', rename: async (from, to) => rename((renamedFrom = from), to), sleep: async () => {}, now: () => 0 },
    });
    expect(await readFile(file, 'utf8')).toBe('new content');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The content went to a temporary file beside it first, then took the file's name in one step.
    expect(path.dirname(renamedFrom)).toBe(dir);
    expect(await readdir(dir)).toEqual(['config']);
  });
});

describe('backupFile', () => {
  it('copies the file beside itself, named with the time, and leaves the file as it was', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'config');
    await writeFile(file, 'users: []\n');
    const backup = await backupFile(file, new Date(Date.UTC(2026, 11, 1, 9, 5, 7, 42)));
    expect(backup).toBe(`${file}.2026-12-01T09-05-07-042Z.bak`);
    expect(await readFile(backup!, 'utf8')).toBe('users: []\n');
    expect(await readFile(file, 'utf8')).toBe('users: []\n');
  });

  it('has nothing to back up when there is no file, or a folder stands there', async () => {
    const dir = await tempDir();
    expect(await backupFile(path.join(dir, 'missing'))).toBeNull();
    await mkdir(path.join(dir, 'folder'));
    expect(await backupFile(path.join(dir, 'folder'))).toBeNull();
    expect(await readdir(dir)).toEqual(['folder']);
  });

  it('says which backup it could not write, and why', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'config');
    await writeFile(file, 'x');
    // A folder where the backup goes stops root too.
    await mkdir(`${file}.1970-01-01T00-00-00-000Z.bak`);
    await expect(backupFile(file, new Date(0))).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(new RegExp(`^Could not back up ${file}\\.1970-01-01T00-00-00-000Z\\.bak: `)),
    });
  });

  it.skipIf(asRoot)('says permission denied for a folder it may not write (as a user: root writes anywhere)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'config');
    await writeFile(file, 'x');
    await chmod(dir, 0o555);
    try {
      await expect(backupFile(file, new Date(0))).rejects.toMatchObject({
        code: 'io',
        message: `Could not back up ${file}.1970-01-01T00-00-00-000Z.bak: permission denied.`,
      });
    } finally {
      await chmod(dir, 0o755);
    }
  });
});

describe('ioError', () => {
  it('turns each file-system error into what happened and what to do', () => {
    const cases: [string, string, string][] = [
      ['EACCES', 'permission denied', 'Choose a folder you can write to, or fix its permissions.'],
      ['EPERM', 'permission denied', 'Choose a folder you can write to, or fix its permissions.'],
      ['EROFS', 'the disk is read-only', 'Choose a folder on a writable disk.'],
      ['ENOSPC', 'the disk is full', 'Free some space on that disk, or choose a folder on another one.'],
      ['EDQUOT', 'the disk quota is used up', 'Free some space, or choose a folder on another disk.'],
      ['ENOTDIR', 'a file stands where a folder should be', 'Choose another folder, or move that file away.'],
      ['EEXIST', 'a file stands where a folder should be', 'Choose another folder, or move that file away.'],
      ['EISDIR', 'a folder stands where a file should be', 'Choose another folder, or move that folder away.'],
      ['ENOENT', 'the folder does not exist', 'Choose an existing folder.'],
    ];
    for (const [code, reason, hint] of cases) {
      const cause = errno(code);
      const error = ioError(cause, '/labs/demo/lab.json', 'write');
      expect(error, code).toBeInstanceOf(AppError);
      expect({ ...error, message: error.message, cause: error.cause }, code).toEqual({
        name: 'AppError',
        code: 'io',
        message: `Could not write /labs/demo/lab.json: ${reason}.`,
        hint,
        issues: undefined,
        cause,
      });
    }
  });

  it('says an unknown error in its own words, and passes an AppError through as it is', () => {
    expect(ioError(errno('EMFILE'), '/f', 'read')).toMatchObject({
      message: 'Could not read /f: EMFILE: operation not permitted, rename.',
      hint: 'Check the path and try again.',
    });
    expect(ioError('stream destroyed', '/f', 'read').message).toBe('Could not read /f: stream destroyed.');
    expect(ioError(null, '/f', 'read').message).toBe('Could not read /f: null.');
    const own = new AppError('busy', 'in use');
    expect(ioError(own, '/f', 'read')).toBe(own);
  });
});

describe('odd files and folders', () => {
  it('makes missing folders one level at a time, and fails at once where mkdir cannot make one (/proc), instead of spinning', async () => {
    const dir = await tempDir();
    await makeFolders(path.join(dir, 'a', 'b', 'c'));
    expect((await stat(path.join(dir, 'a', 'b', 'c'))).isDirectory()).toBe(true);
    await makeFolders(path.join(dir, 'a', 'b'));
    // Node's recursive mkdir loops for ever here: mkdir in /proc answers ENOENT under a parent that exists.
    await expect(atomicWrite('/proc/cluster-lab-test/lab/file', 'x')).rejects.toMatchObject({
      code: 'io',
      message: 'Could not create /proc/cluster-lab-test: the folder does not exist.',
    });
    await writeFile(path.join(dir, 'plain'), '');
    await expect(makeFolders(path.join(dir, 'plain', 'x'))).rejects.toMatchObject({
      message: `Could not create ${path.join(dir, 'plain')}: a file stands where a folder should be.`,
    });
  });

  it('reads a plain file only: a FIFO, a device, a link or a folder is refused without being opened, and so is a file too large', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'plain'), 'text');
    expect(await readPlainFile(path.join(dir, 'plain'), { maxBytes: 4 })).toBe('text');
    expect(await readPlainFile(path.join(dir, 'none'), { maxBytes: 4 })).toBeNull();
    await expect(readPlainFile(path.join(dir, 'plain'), { maxBytes: 3 })).rejects.toMatchObject({
      code: 'io',
      message: `${path.join(dir, 'plain')} is larger than 3 bytes (4), more than such a file ever holds: Cluster Lab does not read it.`,
      hint: 'Move it out of the way (check where it came from), then try again.',
    });
    const fifo = path.join(dir, 'fifo');
    expect((await runTool('mkfifo', [fifo])).exitCode).toBe(0);
    await expect(readPlainFile(fifo, { maxBytes: 100 })).rejects.toMatchObject({
      code: 'io',
      message: `${fifo} is a FIFO (named pipe), not a plain file: Cluster Lab neither opens nor replaces it.`,
      hint: 'Move it out of the way (or, if it is yours, put a plain file there), then try again; or choose another folder.',
    });
    await expect(readPlainFile('/dev/zero', { maxBytes: 100 })).rejects.toMatchObject({
      message: '/dev/zero is a device, not a plain file: Cluster Lab neither opens nor replaces it.',
    });
    await symlink(path.join(dir, 'plain'), path.join(dir, 'link'));
    await expect(readPlainFile(path.join(dir, 'link'), { maxBytes: 100 })).rejects.toMatchObject({
      message: `${path.join(dir, 'link')} is a symbolic link to ${path.join(dir, 'plain')}, not a plain file: Cluster Lab neither opens nor replaces it.`,
    });
    await mkdir(path.join(dir, 'folder'));
    await expect(readPlainFile(path.join(dir, 'folder'), { maxBytes: 100 })).rejects.toMatchObject({
      message: expect.stringContaining('folder is a folder, not a plain file'),
    });
  });

  it('follows a link only when asked (the user’s own kubeconfig), takes the caller’s hint, and reads only UTF-8 text', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'plain'), 'text');
    await symlink(path.join(dir, 'plain'), path.join(dir, 'link'));
    expect(await readPlainFile(path.join(dir, 'link'), { maxBytes: 4, followSymlinks: true })).toBe('text');
    await symlink(path.join(dir, 'gone'), path.join(dir, 'dangling'));
    expect(await readPlainFile(path.join(dir, 'dangling'), { maxBytes: 4, followSymlinks: true })).toBeNull();
    await expect(readPlainFile(path.join(dir, 'link'), { maxBytes: 4, hint: 'Ask the lab’s owner.' })).rejects.toMatchObject({
      code: 'io',
      hint: 'Ask the lab’s owner.',
    });
    await writeFile(path.join(dir, 'latin1'), Buffer.from([0x61, 0xe9, 0x0a]));
    await expect(readPlainFile(path.join(dir, 'latin1'), { maxBytes: 100 })).rejects.toMatchObject({
      code: 'io',
      message: `${path.join(dir, 'latin1')} is not UTF-8 text.`,
    });
  });

  it('replaces a link with the file rather than writing through it, and does not take its target’s mode', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'target'), 'theirs', { mode: 0o600 });
    await chmod(path.join(dir, 'target'), 0o600);
    await symlink('target', path.join(dir, 'link'));
    await atomicWrite(path.join(dir, 'link'), 'ours');
    expect(await readFile(path.join(dir, 'target'), 'utf8')).toBe('theirs');
    const written = await lstat(path.join(dir, 'link'));
    expect([written.isFile(), written.mode & 0o777]).toEqual([true, 0o644]);
  });
});
