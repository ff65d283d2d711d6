import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, open, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventName, EventPayload } from '../../../shared/contract';
import type { LogBatch } from '../../../shared/jobs';
import { seedLab } from '../../../shared/render/testing';
import { seedBridgeEnv } from '../../../fixtures/env';
import { tempDirs } from '../../../fixtures/tmp';
import { createContext } from '../context';
import { writeLab } from '../labFolder';
import { LabRunner } from '.';
import { jobId, logFileName } from './logNames';

const tempDir = tempDirs('foreign-jobs');
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const fakeBin = path.join(repoRoot, 'fixtures/bin');
let dir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = path.join(await tempDir(), 'lab');
  await writeLab(dir, seedLab());
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function setup() {
  // The fakes answer the node table's `vagrant status` after a job, never the real Vagrant.
  const env = { ...process.env, PATH: `${fakeBin}${path.delimiter}${process.env.PATH ?? ''}`, VAGRANT_CHECKPOINT_DISABLE: '1', ...seedBridgeEnv() };
  const ctx = createContext({ env: { ...env, HOME: path.dirname(dir) }, homeDir: path.dirname(dir) });
  const seen: { [K in EventName]?: EventPayload<K>[] } = {};
  ctx.events.onAny((name, payload) => ((seen[name] ??= []) as unknown[]).push(payload));
  const runner = new LabRunner(ctx, { batchMs: 10, followPollMs: 20 });
  return { runner, seen, updates: () => seen['job.update'] ?? [], batches: () => (seen['job.log'] ?? []) as LogBatch[] };
}

/** Another process holding the lab's lock for an Up, as the CLI does, appending to its log what it is told. */
async function otherProgram() {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'foreign.holder-child.ts'), dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const ready = await new Promise<{ id: string; logFile: string }>((resolve, reject) => {
    child.once('exit', () => reject(new Error('the holder exited')));
    child.on('message', (message: { ready?: { id: string; logFile: string } }) => message.ready && resolve(message.ready));
  });
  const append = (text: string) =>
    new Promise<void>((resolve) => {
      child.once('message', () => resolve());
      child.send({ append: text });
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const release = async () => {
    child.send({ release: true });
    await exited;
  };
  return { child, ...ready, append, release, exited };
}

const SERVER_STEP = 'Step: vagrant up server (the box, the linked-clone master, the k3s server)';
const texts = (batches: LogBatch[]) => batches.flatMap((b) => b.lines.map((l) => l.text));

describe("another program's job on the lab", () => {
  it('is attached from the lock and its log: owner, tail, live lines in sequence, then its end from the last line', async () => {
    const cli = await otherProgram();
    await cli.append(`[cluster-lab] up started for lab "demo"\n[cluster-lab] ${SERVER_STEP}\n==> server: Booting VM...\n`);
    const { runner, seen, updates, batches } = setup();
    try {
      const attached = await runner.attach(dir);
      expect(attached.job).toMatchObject({
        id: cli.id,
        kind: 'up',
        status: 'running',
        logFile: cli.logFile,
        owner: { program: 'cli', pid: cli.child.pid, description: `the cluster-lab CLI (process ${cli.child.pid})` },
      });
      expect(attached.job!.steps.find((s) => s.id === 'vagrant-up-server')).toMatchObject({ status: 'running' });
      expect(attached.tail.map((l) => [l.seq, l.stream, l.node, l.text])).toEqual([
        [0, 'app', null, 'up started for lab "demo"'],
        [1, 'app', null, SERVER_STEP],
        [2, 'stdout', 'server', '==> server: Booting VM...'],
      ]);

      await cli.append('==> server: Machine booted and ready!\n[cluster-lab] Step: vagrant up the agents, side by side\n');
      await vi.waitFor(() => expect(texts(batches())).toContain('Step: vagrant up the agents, side by side'), { timeout: 20_000 });
      // A second view (a reload, another tab) gets the same job and the whole log so far.
      const again = await runner.attach(dir);
      expect(again.tail.map((l) => l.seq)).toEqual([0, 1, 2, 3, 4]);
      expect(again.job!.steps.filter((s) => s.id.startsWith('vagrant-up-')).map((s) => s.status)).toEqual(['succeeded', 'running']);

      await cli.append('[cluster-lab] up finished.\n');
      await cli.release();
      await vi.waitFor(() => expect(updates().at(-1)?.status).toBe('succeeded'), { timeout: 20_000 });
      const lines = batches().flatMap((b) => b.lines);
      // Every line once, in order, none missing.
      expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + lines[0]!.seq));
      expect(lines.at(-1)).toMatchObject({ seq: 5, stream: 'app', text: 'up finished.' });
      expect(updates().at(-1)).toMatchObject({ id: cli.id, exitCode: 0, lineCount: 6 });
      // As after a job of ours, the node table is read again.
      await vi.waitFor(() => expect(seen['lab.status']?.length).toBeGreaterThan(0), { timeout: 20_000 });
    } finally {
      await runner.dispose();
    }
  });

  it('is failed, saying so, when its process dies without a last line; and it cannot be cancelled from here', async () => {
    const cli = await otherProgram();
    await cli.append(`[cluster-lab] ${SERVER_STEP}\n`);
    const { runner, updates } = setup();
    try {
      const { job } = await runner.attach(dir);
      await expect(runner.cancel(job!.id)).rejects.toMatchObject({ code: 'busy', message: expect.stringContaining('cannot be cancelled from here') });
      expect(cli.child.exitCode).toBeNull();
      cli.child.kill('SIGKILL');
      await cli.exited;
      await vi.waitFor(() => expect(updates().at(-1)?.status).toBe('failed'), { timeout: 20_000 });
      expect(updates().at(-1)!.failure!.message).toContain(`the cluster-lab CLI (process ${cli.child.pid}) let go of the lab`);
      expect(
        updates()
          .at(-1)!
          .steps.find((s) => s.id === 'vagrant-up-server')!.status,
      ).toBe('failed');
    } finally {
      await runner.dispose();
    }
  });

  it('is seen by a view that showed the lab before it started, without asking again', async () => {
    const { runner, updates, batches } = setup();
    try {
      expect(await runner.attach(dir)).toEqual({ job: null, tail: [] });
      const cli = await otherProgram();
      await cli.append(`[cluster-lab] ${SERVER_STEP}\n==> server: Booting VM...\n`);
      await vi.waitFor(() => expect(texts(batches())).toContain('==> server: Booting VM...'), { timeout: 20_000 });
      expect(updates()[0]).toMatchObject({ id: cli.id, status: 'running', owner: { pid: cli.child.pid } });
      expect(batches().every((b) => b.jobId === cli.id)).toBe(true);
    } finally {
      await runner.dispose();
    }
  });

  it('and the lab are looked at no more once the last view detaches', async () => {
    const cli = await otherProgram();
    const { runner, batches } = setup();
    const internals = runner as unknown as { foreign: Map<string, unknown>; watches: Map<string, unknown> };
    try {
      await runner.attach(dir);
      await runner.attach(dir);
      await runner.detach(dir);
      await cli.append('one\n');
      await vi.waitFor(() => expect(texts(batches())).toContain('one'), { timeout: 20_000 });
      await runner.detach(dir);
      expect([internals.foreign.size, internals.watches.size]).toEqual([0, 0]);
      await cli.append('two\n');
      // A view attaching now starts afresh from the file.
      expect((await runner.attach(dir)).tail.map((l) => l.text)).toEqual(['one', 'two']);
    } finally {
      await runner.dispose();
    }
  });

  describe('reads nothing it should not from the lab folder', () => {
    it('a link at the log name is not followed', async () => {
      const secret = path.join(path.dirname(dir), 'secret.txt');
      await writeFile(secret, 'SECRET\n');
      const cli = await otherProgram();
      await symlink(secret, cli.logFile);
      const { runner } = setup();
      try {
        const { job, tail } = await runner.attach(dir);
        expect(job!.status).toBe('running');
        expect(tail).toEqual([]);
      } finally {
        await runner.dispose();
      }
    });

    it('a logs/ that is a link is not read through', async () => {
      const cli = await otherProgram();
      await cli.append('the real log\n');
      const elsewhere = path.join(path.dirname(dir), 'elsewhere');
      await mkdir(elsewhere);
      await writeFile(path.join(elsewhere, path.basename(cli.logFile)), 'SECRET\n');
      await rm(path.join(dir, 'logs'), { recursive: true });
      await symlink(elsewhere, path.join(dir, 'logs'));
      const { runner } = setup();
      try {
        const { tail } = await runner.attach(dir);
        expect(tail.map((l) => l.text)).toEqual([expect.stringContaining('is not a folder (a link)')]);
      } finally {
        await runner.dispose();
      }
    });

    it.runIf(process.platform !== 'win32')('a FIFO at the log name is not waited on', async () => {
      const cli = await otherProgram();
      spawnSync('mkfifo', [cli.logFile]);
      const { runner } = setup();
      try {
        expect((await runner.attach(dir)).tail).toEqual([]);
      } finally {
        await runner.dispose();
      }
    });

    it('a huge log is read from near its end only', async () => {
      const cli = await otherProgram();
      await cli.append('first\n');
      await truncate(cli.logFile, 1024 ** 3);
      const handle = await open(cli.logFile, 'a');
      await handle.write('\nlast\n');
      await handle.close();
      const { runner } = setup();
      try {
        const { tail } = await runner.attach(dir);
        expect(tail[0]!.text).toMatch(/^… the first [\d,]+ bytes of this log are not shown here/);
        expect(tail.at(-1)!.text).toBe('last');
        expect(tail.map((l) => l.text)).not.toContain('first');
      } finally {
        await runner.dispose();
      }
    });
  });
});

describe('past jobs from logs/', () => {
  const logName = (kind: 'up' | 'down', startedAt: number) => logFileName(jobId(kind, startedAt, 'abc123'), startedAt);
  const t0 = Date.parse('2026-12-01T10:00:00Z');

  it('lists our log files newest first with their results, and ignores everything else', async () => {
    const logs = path.join(dir, 'logs');
    await mkdir(logs, { recursive: true });
    await writeFile(path.join(logs, logName('up', t0)), '[cluster-lab] Step: vagrant up server\n[cluster-lab] up finished.\n');
    await writeFile(path.join(logs, logName('down', t0 + 60_000)), '[cluster-lab] down failed: vagrant halt failed.\n');
    await writeFile(path.join(logs, logName('up', t0 + 120_000)), 'no end\n');
    // Garbage: odd names, a stamp that does not match the id, a link, a folder and a FIFO under good names.
    await writeFile(path.join(logs, 'notes.txt'), 'x');
    await writeFile(path.join(logs, `20200101T000000Z-${jobId('up', t0, 'abc123')}.log`), 'x');
    await writeFile(path.join(logs, `${logName('up', t0)}.bak`), 'x');
    await symlink('/etc/passwd', path.join(logs, logName('up', t0 + 180_000)));
    await mkdir(path.join(logs, logName('up', t0 + 240_000)));
    spawnSync('mkfifo', [path.join(logs, logName('up', t0 + 300_000))]);
    const { runner } = setup();
    const { jobs } = await runner.history(dir);
    expect(jobs.map((j) => [j.kind, j.startedAt - t0, j.result, j.running])).toEqual([
      ['up', 120_000, null, false],
      ['down', 60_000, 'failed', false],
      ['up', 0, 'succeeded', false],
    ]);
    expect(jobs[2]!.bytes).toBe(Buffer.byteLength('[cluster-lab] Step: vagrant up server\n[cluster-lab] up finished.\n'));

    const past = await runner.pastLog(dir, jobs[2]!.id);
    expect(past.truncated).toBe(false);
    expect(past.lines.map((l) => [l.seq, l.stream, l.text])).toEqual([
      [0, 'app', 'Step: vagrant up server'],
      [1, 'app', 'up finished.'],
    ]);
    await expect(runner.pastLog(dir, '../../etc/passwd')).rejects.toMatchObject({ code: 'not_found' });
    await expect(runner.pastLog(dir, jobId('up', t0 + 180_000, 'abc123'))).rejects.toMatchObject({ message: expect.stringContaining('is a link') });
  });

  it('gives the end of a long log, flagged truncated', async () => {
    const logs = path.join(dir, 'logs');
    await mkdir(logs, { recursive: true });
    const file = path.join(logs, logName('up', t0));
    await writeFile(file, `${'x'.repeat(99)}\n`.repeat(40_000) + '[cluster-lab] up finished.\n');
    const { runner } = setup();
    const past = await runner.pastLog(dir, jobId('up', t0, 'abc123'));
    expect(past.truncated).toBe(true);
    expect(past.lines.length).toBeLessThan(40_000);
    expect(past.lines.at(-1)!.text).toBe('up finished.');
    expect(past.job.result).toBe('succeeded');
  });

  it('a logs/ that is a link is refused', async () => {
    await mkdir(path.join(path.dirname(dir), 'elsewhere'));
    await rm(path.join(dir, 'logs'), { recursive: true, force: true });
    await symlink(path.join(path.dirname(dir), 'elsewhere'), path.join(dir, 'logs'));
    const { runner } = setup();
    await expect(runner.history(dir)).rejects.toMatchObject({ message: expect.stringContaining('is not a folder (a link)') });
  });
});
