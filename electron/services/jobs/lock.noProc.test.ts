/**
 * The lab lock where no start time can be read (Windows: no /proc, no ps): a lock from a lab
 * folder from elsewhere that names a live process as a dead holder's child must neither hold the lab
 * nor get that process stopped by --stop-orphans.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { tempDirs } from '../../../fixtures/tmp';
import { LOCK_FILE, labFolderLock, stopOrphans } from './lock';

// As processLiveness.ts answers there: no start time, and a live pid is all kill(pid, 0) can tell.
vi.mock('../processLiveness', () => ({
  processStart: async () => null,
  thisBoot: async () => null,
  processAlive: async (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  },
}));

const tempDir = tempDirs('lock-noproc');
const stranger = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
afterAll(() => void stranger.kill('SIGKILL'));

it('takes no process a lock names for an orphan where its start time cannot be compared', async () => {
  const dir = await tempDir();
  const deadHolder = 2 ** 22 + 7;
  await writeFile(
    path.join(dir, LOCK_FILE),
    JSON.stringify({
      pid: deadHolder,
      pidStart: null,
      bootId: null,
      hostname: os.hostname(),
      owner: 'cli',
      jobId: 'up-x',
      kind: 'up',
      startedAt: Date.UTC(2026, 11, 1),
      children: [{ pid: stranger.pid, start: 'forged', command: 'vagrant up server' }],
    }),
  );
  expect(await stopOrphans(dir, { sigintWaitMs: 50, sigtermWaitMs: 50 })).toEqual([]);
  process.kill(stranger.pid!, 0);
  // Nothing left running, so the stale lock is taken over.
  const lock = labFolderLock(dir);
  await lock.acquire({ jobId: 'up-1', kind: 'up', startedAt: Date.now() });
  await lock.release();
  expect(stranger.exitCode).toBeNull();
});
