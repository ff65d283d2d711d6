import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { atomicWrite, renameRetrying, type RenameDeps } from './files';

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
    expect((error as AppError).message).toMatch(/another program has it open/);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5_000);
    expect(Math.max(...sleeps)).toBe(100);
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
    dir = await mkdtemp(path.join(tmpdir(), 'cluster-lab-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
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
