/**
 * The lab lock on its own: who holds it is read from the file; a live holder refuses, naming itself;
 * a gone one (ended, a zombie, its pid now another process's, from before a reboot) is taken over,
 * by exactly one of many racers; a half-written lock is waited for; a dead holder's processes that
 * still run refuse the lock until they are stopped; only the holder's own lock is removed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDirs } from '../../../fixtures/tmp';
import { AppError } from '../../../shared/errors';
import { processStart } from '../processLiveness';
import { claimFile, LOCK_FILE, labFolderLock, lockOwner, stopOrphans, withLabLock } from './lock';
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
const bootId = onLinux ? (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() : null;
const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** Field 22 of /proc/PID/stat, the start time in clock ticks, as the lock records it. */
async function startTicks(pid: number): Promise<string> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** A pid whose process has ended (and been reaped). */
const goneProcessPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

const record = (holder: Record<string, unknown>) =>
  JSON.stringify({
    hostname: os.hostname(),
    owner: 'app',
    jobId: 'down-7',
    kind: 'down',
    startedAt: job.startedAt,
    pidStart: null,
    bootId,
    children: [],
    ...holder,
  });

async function lockedBy(holder: Record<string, unknown>) {
  const dir = await tempDir();
  const lockFile = path.join(dir, LOCK_FILE);
  await writeFile(lockFile, record(holder));
  return { dir, lockFile };
}

const holderOf = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
const exitOf = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode ? resolve() : child.once('exit', () => resolve())));

/** A process that runs until told otherwise and writes each signal it gets to `file`, ignoring SIGINT when asked. */
async function signalRecorder(file: string, ignoreSigint: boolean) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const fs=require('fs');for(const s of ['SIGINT','SIGTERM'])process.on(s,()=>{fs.appendFileSync(${JSON.stringify(file)},s+'\\n');if(s!=='SIGINT'||!${ignoreSigint})process.exit(1)});fs.writeFileSync(${JSON.stringify(file)},'');setInterval(()=>{},1000)`,
    ],
    { stdio: 'ignore', detached: true },
  );
  while (!existsSync(file)) await delay(10);
  return child;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.mocked(delay).mockClear();
});

describe('who holds the lock', () => {
  it('tells the app, browser mode and the CLI apart', () => {
    const node = { versions: { node: '20' }, env: {} };
    expect(lockOwner({ versions: { node: '20', electron: '39' }, env: {}, argv: ['/opt/Cluster Lab/cluster-lab'] } as never)).toBe('app');
    // The installed app's CLI launcher runs the app's executable as Node.
    expect(
      lockOwner({ versions: { electron: '39' }, env: { ELECTRON_RUN_AS_NODE: '1' }, argv: ['x', '/opt/resources/cli/cluster-lab.mjs'] } as never),
    ).toBe('cli');
    expect(lockOwner({ ...node, argv: ['node', '/work/out/main/web.js'] } as never)).toBe('browser');
    expect(lockOwner({ ...node, argv: ['node', '/work/electron/web/index.ts'] } as never)).toBe('browser');
    expect(lockOwner({ ...node, argv: ['node', '/usr/bin/cluster-lab'] } as never)).toBe('cli');
    expect(lockOwner({ ...node, argv: ['node', '/work/out/main/webby.js'] } as never)).toBe('cli');
  });
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
      bootId,
      hostname: os.hostname(),
      owner: lockOwner(),
      ...job,
      children: [],
    });
    expect((await stat(file)).mode & 0o777).toBe(0o644 & ~process.umask());
    // Nothing else is left beside it: the temporary file it was linked from is gone.
    expect(await readdir(dir)).toEqual([LOCK_FILE]);
    await lock.release();
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses while a live process on this computer holds it, naming the job, the process, which Cluster Lab and the time', async () => {
    const { dir, lockFile } = await lockedBy({ pid: process.pid, pidStart: onLinux ? await startTicks(process.pid) : null });
    const error = await labFolderLock(dir)
      .acquire(job)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'busy',
      message: `The down job is already running on this lab (process ${process.pid}, the Cluster Lab app, since ${new Date(job.startedAt).toLocaleTimeString()}).`,
      hint: `One writer per lab: Cluster Lab runs one job at a time on a lab and writes none of its files meanwhile. Wait for it to finish or cancel it where it runs. If no such process exists, delete ${lockFile}.`,
    });
    expect((await holderOf(lockFile)).jobId).toBe('down-7');
  });

  it("says when the holder is writing the lab's files, and which Cluster Lab that is", async () => {
    const startedAt = Date.now() - 1000;
    const { dir } = await lockedBy({ pid: process.pid, kind: 'write', owner: 'cli', startedAt });
    await expect(labFolderLock(dir).acquire(job)).rejects.toThrow(
      `Cluster Lab is writing this lab's files (process ${process.pid}, the cluster-lab CLI, since ${new Date(startedAt).toLocaleTimeString()}).`,
    );
  });

  it('refuses a holder on another computer (a shared folder) whatever its pid and boot, and names that computer', async () => {
    const { dir } = await lockedBy({ pid: goneProcessPid(), hostname: 'build-box', bootId: 'another-boot', owner: 'browser' });
    await expect(labFolderLock(dir).acquire(job)).rejects.toThrow(
      /^The down job is already running on this lab \(process \d+ on build-box, Cluster Lab in browser mode, since /,
    );
  });

  it('takes over a write lock started over ten minutes ago, wherever its process seems to run; a newer one is refused', async () => {
    const elsewhere = { pid: process.pid, hostname: 'renamed-laptop', kind: 'write', jobId: 'write-x' };
    const fresh = await lockedBy({ ...elsewhere, startedAt: Date.now() - 60_000 });
    await expect(labFolderLock(fresh.dir).acquire(job)).rejects.toThrow(/^Cluster Lab is writing this lab's files \(process \d+ on renamed-laptop/);
    const left = await lockedBy({ ...elsewhere, startedAt: Date.now() - 11 * 60_000 });
    await labFolderLock(left.dir).acquire(job);
    expect((await holderOf(left.lockFile)).jobId).toBe('up-1');
  });

  it.skipIf(!onLinux)('keeps an old write lock whose process this computer proves alive by its start time (a suspended render)', async () => {
    const { dir } = await lockedBy({
      pid: process.pid,
      pidStart: await processStart(process.pid),
      kind: 'write',
      startedAt: Date.now() - 60 * 60_000,
    });
    await expect(labFolderLock(dir).acquire(job)).rejects.toThrow(/^Cluster Lab is writing this lab's files/);
  });

  it('takes over a lock whose process has ended', async () => {
    const { dir, lockFile } = await lockedBy({ pid: goneProcessPid() });
    await labFolderLock(dir).acquire(job);
    expect(await holderOf(lockFile)).toMatchObject({ jobId: 'up-1', pid: process.pid });
    expect(await readdir(dir)).toEqual([LOCK_FILE]);
  });

  it.skipIf(!onLinux)('takes over a lock whose pid now belongs to another process (started at another time)', async () => {
    const { dir, lockFile } = await lockedBy({ pid: process.pid, pidStart: '1' });
    await labFolderLock(dir).acquire(job);
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
  });

  it.skipIf(!onLinux)('takes over a lock from before a reboot, though its pid and start time happen to match a process now', async () => {
    const { dir, lockFile } = await lockedBy({ pid: process.pid, pidStart: await startTicks(process.pid), bootId: 'a-boot-before-this-one' });
    await labFolderLock(dir).acquire(job);
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
  });

  it.skipIf(!onLinux)('takes over a lock whose holder is a zombie (exited, never reaped by its parent)', async () => {
    // A parent that never reaps: its child writes the lock the way a holder would, then exits and stays a zombie.
    const parent = spawn('python3', ['-c', 'import os,sys,time\npid=os.fork()\nif pid==0:\n  os._exit(0)\nprint(pid, flush=True)\ntime.sleep(60)'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
      while ((await readFile(`/proc/${zombie}/stat`, 'utf8')).split(') ')[1]![0] !== 'Z') await delay(10);
      expect(() => process.kill(zombie, 0)).not.toThrow();
      const { dir, lockFile } = await lockedBy({ pid: zombie, pidStart: await startTicks(zombie) });
      await labFolderLock(dir).acquire(job);
      expect((await holderOf(lockFile)).jobId).toBe('up-1');
    } finally {
      parent.kill('SIGKILL');
      await exitOf(parent);
    }
  });

  it('counts a holder without a recorded start time as alive while its pid is', async () => {
    const { dir } = await lockedBy({ pid: process.pid, pidStart: null });
    await expect(labFolderLock(dir).acquire(job)).rejects.toMatchObject({ code: 'busy' });
  });

  it("counts a pid it may not signal (another user's process, which /proc may hide) as alive, then checks its start time", async () => {
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

  it("takes over a broken lock left long ago (an older Cluster Lab's crash mid-write)", async () => {
    const dir = await tempDir();
    const lockFile = path.join(dir, LOCK_FILE);
    await writeFile(lockFile, '{"pid": 12');
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(lockFile, minuteAgo, minuteAgo);
    await labFolderLock(dir).acquire(job);
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
  });

  it('waits for a lock being written this moment (by an older Cluster Lab, in two steps) and then reads who holds it', async () => {
    const dir = await tempDir();
    const lockFile = path.join(dir, LOCK_FILE);
    await writeFile(lockFile, '');
    // The other process finishes its write while this one waits: on the wait itself, not on a timer's luck.
    vi.mocked(delay).mockImplementationOnce(() => writeFile(lockFile, record({ pid: process.pid })));
    await expect(labFolderLock(dir).acquire(job)).rejects.toThrow(/^The down job is already running/);
    expect(delay).toHaveBeenCalledTimes(1);
    expect((await holderOf(lockFile)).jobId).toBe('down-7');
  });

  it('gives up after three waits on a lock that stays half-written, and leaves it', async () => {
    const dir = await tempDir();
    const lockFile = path.join(dir, LOCK_FILE);
    await writeFile(lockFile, 'not json');
    const started = Date.now();
    await expect(labFolderLock(dir).acquire(job)).rejects.toMatchObject({
      code: 'busy',
      message: `Could not take the job lock ${lockFile}.`,
      hint: 'Another job is starting on this lab; try again in a moment.',
    });
    // Three waits of 200 ms: not one, and not a spin.
    expect(vi.mocked(delay).mock.calls).toEqual([[200], [200], [200]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(await readFile(lockFile, 'utf8')).toBe('not json');
  });

  it('refuses a lock that is a FIFO, a link or far larger than any record, without reading it (a lab folder may come from elsewhere)', async () => {
    const { dir, lockFile } = await lockedBy({
      pid: goneProcessPid(),
      children: Array.from({ length: 20_000 }, () => ({ pid: 2 ** 23, start: '0', command: 'x' })),
    });
    await expect(labFolderLock(dir).acquire(job)).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(
        new RegExp(`^${lockFile} is larger than 65536 bytes \\(\\d+\\), more than such a file ever holds: Cluster Lab does not read it\\.$`),
      ),
      hint: `Cluster Lab did not make it. Delete it if no Cluster Lab runs on this lab, then try again.`,
    });
    const linked = await tempDir();
    await symlink(lockFile, path.join(linked, LOCK_FILE));
    await expect(labFolderLock(linked).acquire(job)).rejects.toThrow(/\.cluster-lab\.lock is a symbolic link to .*, not a plain file/);
    const fifo = await tempDir();
    spawnSync('mkfifo', [path.join(fifo, LOCK_FILE)]);
    await expect(labFolderLock(fifo).acquire(job)).rejects.toThrow(/\.cluster-lab\.lock is a FIFO \(named pipe\), not a plain file/);
    await expect(stopOrphans(fifo, { sigintWaitMs: 10, sigtermWaitMs: 10 })).rejects.toThrow(/is a FIFO/);
  });

  it.skipIf(!onLinux)(
    "takes no pid below 2 for a dead holder's child: signalling its group would reach every process (kill -1) or our own",
    async () => {
      const children = [
        { pid: 1, start: await startTicks(1), command: 'vagrant up server' },
        { pid: 0, start: '0', command: 'vagrant up agent1' },
        { pid: -1, start: '0', command: 'vagrant up agent2' },
        { pid: String(process.pid), start: await startTicks(process.pid), command: 'vagrant up agent3' },
      ];
      const { dir, lockFile } = await lockedBy({ pid: goneProcessPid(), bootId: null, children });
      const stale = await readFile(lockFile, 'utf8');
      // No orphan, so the stale lock is taken; and --stop-orphans has nothing to signal.
      const lock = labFolderLock(dir);
      await lock.acquire(job);
      expect((await holderOf(lockFile)).jobId).toBe('up-1');
      await lock.release();
      await writeFile(lockFile, stale);
      expect(await stopOrphans(dir, { sigintWaitMs: 10, sigtermWaitMs: 10 })).toEqual([]);
    },
  );

  it('says why it cannot create the lock when the folder is not there', async () => {
    const dir = path.join(await tempDir(), 'gone');
    await expect(labFolderLock(dir).acquire(job)).rejects.toMatchObject({
      code: 'io',
      message: `Could not create the job lock ${path.join(dir, LOCK_FILE)}: the folder does not exist.`,
    });
  });
});

describe('taking over a stale lock', () => {
  it('leaves a stale lock alone while another process is taking it over, then reads who won', async () => {
    const stale = record({ pid: goneProcessPid() });
    const { dir, lockFile } = await lockedBy(JSON.parse(stale) as Record<string, unknown>);
    const claim = claimFile(lockFile, stale);
    // A live taker holds the claim on that very record...
    await writeFile(claim, record({ pid: process.pid, jobId: 'taker' }));
    // ...and, while this one waits for it, puts its own lock in place and lets go of the claim.
    vi.mocked(delay).mockImplementationOnce(async () => {
      await writeFile(lockFile, record({ pid: process.pid, jobId: 'taker', kind: 'provision' }));
      await unlink(claim);
    });
    await expect(labFolderLock(dir).acquire(job)).rejects.toThrow(/^The provision job is already running/);
    expect(delay).toHaveBeenCalledWith(20);
    expect((await holderOf(lockFile)).jobId).toBe('taker');
  });

  it('takes over the claim of a taker that died mid-takeover, then the lock, and leaves no claim behind', async () => {
    const stale = record({ pid: goneProcessPid() });
    const { dir, lockFile } = await lockedBy(JSON.parse(stale) as Record<string, unknown>);
    await writeFile(claimFile(lockFile, stale), record({ pid: goneProcessPid(), jobId: 'dead-taker' }));
    await labFolderLock(dir).acquire(job);
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
    expect(await readdir(dir)).toEqual([LOCK_FILE]);
  });

  describe('many processes racing for one stale lock', () => {
    const racers: ChildProcess[] = [];
    const answers = new Map<number, { round: number; won: boolean; why?: string }[]>();
    beforeAll(async () => {
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          const racer = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'lock.race-child.ts')], {
            cwd: repoRoot,
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          racers.push(racer);
          await new Promise<void>((resolve) =>
            racer.on('message', (message: { ready?: true; round: number; won: boolean; why?: string }) => {
              if (message.ready) return resolve();
              answers.set(message.round, [...(answers.get(message.round) ?? []), message]);
            }),
          );
        }),
      );
    }, 60_000);
    afterAll(async () => {
      for (const racer of racers) racer.kill();
      await Promise.all(racers.map(exitOf));
    });

    it.skipIf(!onLinux)(
      'gives it to exactly one of six, every time, in 200 rounds',
      async () => {
        for (let round = 0; round < 200; round++) {
          // A stale holder whose pid now belongs to a live process started at another time.
          const { dir, lockFile } = await lockedBy({ pid: process.pid, pidStart: '1' });
          const answered = new Promise<void>((resolve) => {
            const check = () => ((answers.get(round)?.length ?? 0) === racers.length ? resolve() : setTimeout(check, 2));
            check();
          });
          for (const racer of racers) racer.send({ dir, round });
          await answered;
          const results = answers.get(round)!;
          const winners = results.filter((r) => r.won);
          expect(winners, `round ${round}: ${JSON.stringify(results)}`).toHaveLength(1);
          for (const loser of results.filter((r) => !r.won)) expect(loser.why).toMatch(/^The up job is already running on this lab \(process \d+, /);
          expect((await holderOf(lockFile)).jobId).toMatch(/^racer-\d+-/);
          expect(await readdir(dir)).toEqual([LOCK_FILE]);
        }
      },
      120_000,
    );
  });
});

describe('the processes a job starts', () => {
  it('are recorded in the lock as they start and forgotten as they end', async () => {
    const dir = await tempDir();
    const lock = labFolderLock(dir);
    await lock.acquire(job);
    const lockFile = path.join(dir, LOCK_FILE);
    await Promise.all([
      lock.addChild({ pid: 101, start: '7', command: 'vagrant up agent1' }),
      lock.addChild({ pid: 102, start: '8', command: 'vagrant up agent2' }),
    ]);
    expect((await holderOf(lockFile)).children).toEqual([
      { pid: 101, start: '7', command: 'vagrant up agent1' },
      { pid: 102, start: '8', command: 'vagrant up agent2' },
    ]);
    await lock.removeChild(101);
    expect((await holderOf(lockFile)).children).toEqual([{ pid: 102, start: '8', command: 'vagrant up agent2' }]);
    expect(await readdir(dir)).toEqual([LOCK_FILE]);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(!onLinux)(
    'of a dead holder refuse the lock while they run, naming them and the way to stop them; stopped, Ctrl-C first, the lock is taken',
    async () => {
      const signals = path.join(await tempDir(), 'signals');
      const polite = await signalRecorder(`${signals}-polite`, false);
      const stubborn = await signalRecorder(`${signals}-stubborn`, true);
      try {
        const children = [
          { pid: polite.pid!, start: await processStart(polite.pid!), command: 'vagrant up agent1' },
          { pid: stubborn.pid!, start: await processStart(stubborn.pid!), command: 'vagrant up agent2' },
          // One that ended long ago, a pid now another process's, and one without a start time to
          // tell it from a stranger's: none is reported.
          { pid: goneProcessPid(), start: '5', command: 'vagrant up server' },
          { pid: process.pid, start: '1', command: 'vagrant up agent3' },
          { pid: process.pid, start: null, command: 'vagrant up agent4' },
          // A pid recorded twice is named, and stopped, once.
          { pid: polite.pid!, start: await processStart(polite.pid!), command: 'vagrant up agent1' },
        ];
        const { dir, lockFile } = await lockedBy({ pid: goneProcessPid(), children });
        const refused = await labFolderLock(dir)
          .acquire(job)
          .catch((e: unknown) => e);
        expect(refused).toMatchObject({
          code: 'busy',
          message: `The down job of process ${JSON.parse(await readFile(lockFile, 'utf8')).pid} (since ${new Date(job.startedAt).toLocaleTimeString()}) ended without stopping what it started: vagrant up agent1 (process ${polite.pid}), vagrant up agent2 (process ${stubborn.pid}) still run on this lab.`,
          hint: `A second job beside them would work on the same machines. Wait for them to finish, or stop them (Ctrl-C first, as Cancel does): cluster-lab up --dir ${dir} --stop-orphans (or down, provision, destroy with --stop-orphans).`,
        });
        // A write is refused as well: Vagrant is reading those files.
        await expect(withLabLock(dir, async () => 'written')).rejects.toThrow(/ended without stopping what it started/);

        const stopped = await stopOrphans(dir, { sigintWaitMs: 300, sigtermWaitMs: 5_000 });
        expect(stopped.map((child) => child.command)).toEqual(['vagrant up agent1', 'vagrant up agent2']);
        await Promise.all([exitOf(polite), exitOf(stubborn)]);
        expect(await readFile(`${signals}-polite`, 'utf8')).toBe('SIGINT\n');
        expect(await readFile(`${signals}-stubborn`, 'utf8')).toBe('SIGINT\nSIGTERM\n');
        await labFolderLock(dir).acquire(job);
        expect((await holderOf(lockFile)).jobId).toBe('up-1');
      } finally {
        for (const child of [polite, stubborn]) if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
      }
    },
  );

  it('are not stopped while the holder lives', async () => {
    const { dir } = await lockedBy({ pid: process.pid, children: [{ pid: process.pid, start: null, command: 'vagrant up agent1' }] });
    await expect(stopOrphans(dir, { sigintWaitMs: 10, sigtermWaitMs: 10 })).rejects.toThrow(/^The down job is already running/);
    expect(await stopOrphans(await tempDir(), { sigintWaitMs: 10, sigtermWaitMs: 10 })).toEqual([]);
  });
});

describe('a write of the lab', () => {
  it('holds the lock while it writes, is refused while a job holds it, and needs none for a folder not made yet', async () => {
    const dir = await tempDir();
    const during = await withLabLock(dir, async () => holderOf(path.join(dir, LOCK_FILE)));
    expect(during).toMatchObject({ kind: 'write', pid: process.pid, jobId: expect.stringMatching(/^write-/) });
    expect(await readdir(dir)).toEqual([]);

    const held = labFolderLock(dir);
    await held.acquire(job);
    const write = vi.fn(async () => 'written');
    await expect(withLabLock(dir, write)).rejects.toThrow(/^The up job is already running on this lab \(process /);
    expect(write).not.toHaveBeenCalled();
    await held.release();

    const fresh = path.join(dir, 'new-lab');
    expect(await withLabLock(fresh, async () => mkdir(fresh).then(() => 'made'))).toBe('made');
    expect(await readdir(fresh)).toEqual([]);
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
    await writeFile(lockFile, JSON.stringify({ pid: process.pid, jobId: 'up-1' }));
    await lock.release();
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
  });

  it('removes nothing when it was never taken', async () => {
    const { dir, lockFile } = await lockedBy({ pid: process.pid, jobId: 'up-1' });
    await labFolderLock(dir).release();
    expect((await holderOf(lockFile)).jobId).toBe('up-1');
  });
});
