/**
 * Your labs on a real file system: the registry as hostile input, the rows as the folders make
 * them (no Vagrant runs), Forget and Delete folder, and new labs that collide with nothing.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import type { LabConfig } from '../../../shared/lab/schema';
import { addressIssues, skippedAddresses, skippedNotes } from '../../../shared/labs';
import { seedLab } from '../../../shared/render/testing';
import { fakeToolsContext } from '../../../fixtures/env';
import { LOCK_FILE } from '../jobs/lock';
import { jobId, logFileName } from '../jobs/logNames';
import { processStart, thisBoot } from '../processLiveness';
import { seedNetworkFacts } from '../../../fixtures/seedNetworkFacts';
import { tempDirs } from '../../../fixtures/tmp';
import { createContext, type ServiceContext } from '../context';
import { createServices } from '../index';
import { labFolderLock } from '../jobs/lock';
import { runTool } from '../process';
import { expectShape } from '../../cli/jsonShapes.testing';
import { listLabs } from './list';
import { recordCheck, recordStates } from './recorded';
import { forgetLab, readRegistry, recordLab, registryFile } from './registry';

const tempDir = tempDirs('labs');

/** A home of its own, its app data folder under XDG_CONFIG_HOME, and the services on it (the fake tools on PATH). */
async function home() {
  const homeDir = await tempDir('home-');
  const fake = fakeToolsContext(homeDir, { XDG_CONFIG_HOME: path.join(homeDir, 'xdg') });
  const ctx: ServiceContext = createContext({ ...fake, platform: 'linux', readNetworkFacts: seedNetworkFacts });
  const { handlers } = createServices(ctx);
  return { homeDir, ctx, handlers, registry: registryFile(ctx) };
}

const lab = (name: string, octet = 110): LabConfig => {
  const seed = seedLab();
  return {
    ...seed,
    name,
    server: { ...seed.server, ip: `192.168.1.${octet}` },
    agents: seed.agents.map((agent, i) => ({ ...agent, ip: `192.168.1.${octet + 1 + i}` })),
  };
};

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** A VM of `machine` as Vagrant marks it: its VirtualBox id in .vagrant/machines/NAME/virtualbox/id. */
async function makeVm(dir: string, machine: string) {
  await mkdir(path.join(dir, '.vagrant', 'machines', machine, 'virtualbox'), { recursive: true });
  await writeFile(path.join(dir, '.vagrant', 'machines', machine, 'virtualbox', 'id'), 'a3f1e2d4-0000-4000-8000-000000000000');
}

describe('the registry of labs', () => {
  it('records a lab on write and on open, newest first, once each; Forget removes it and leaves the folder', async () => {
    const { homeDir, handlers, registry } = await home();
    const one = path.join(homeDir, 'labs', 'one');
    const two = path.join(homeDir, 'labs', 'two');
    await handlers['lab.write']({ dir: one, config: lab('one') });
    await handlers['lab.write']({ dir: two, config: lab('two', 120) });
    await handlers['lab.open']({ dir: one });
    const saved = JSON.parse(await readFile(registry, 'utf8')) as { version: number; labs: { dir: string }[] };
    expect(saved.version).toBe(1);
    expect(saved.labs.map((entry) => entry.dir)).toEqual([one, two]);
    expect(await handlers['labs.forget']({ dir: one })).toEqual({ dir: one, forgotten: true });
    expect(await handlers['labs.forget']({ dir: one })).toEqual({ dir: one, forgotten: false });
    expect((await handlers['labs.list']({})).labs.map((row) => row.dir)).toEqual([two]);
    expect(await readdir(one)).toContain('lab.json');
  });

  it('loses no lab when many are recorded and forgotten at once, and waits for another process holding its lock', async () => {
    const { homeDir, ctx, registry } = await home();
    const dirs = Array.from({ length: 20 }, (_, i) => path.join(homeDir, 'labs', `lab-${i}`));
    expect(await Promise.all(dirs.map((dir) => recordLab(ctx, dir)))).toEqual(dirs.map(() => null));
    expect((await readRegistry(ctx)).entries.map((entry) => entry.dir).sort()).toEqual([...dirs].sort());
    await Promise.all([forgetLab(ctx, dirs[0]!), forgetLab(ctx, dirs[1]!), recordLab(ctx, path.join(homeDir, 'labs', 'late'))]);
    expect((await readRegistry(ctx)).entries).toHaveLength(19);

    // Another Cluster Lab changing the registry holds the lock in the app's data folder: this one waits for it.
    const lock = labFolderLock(path.dirname(registry));
    await lock.acquire({ jobId: 'write-other', kind: 'write', startedAt: Date.now() });
    let recorded = false;
    const waiting = recordLab(ctx, path.join(homeDir, 'labs', 'after-lock')).then((error) => {
      recorded = true;
      return error;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(recorded).toBe(false);
    await lock.release();
    expect(await waiting).toBeNull();
    expect((await readRegistry(ctx)).entries[0]!.dir).toBe(path.join(homeDir, 'labs', 'after-lock'));
  });

  it('reads a registry that is a link, a FIFO, huge or not JSON as empty, says why, and keeps it aside at the next record', async () => {
    const { homeDir, ctx, registry } = await home();
    await mkdir(path.dirname(registry), { recursive: true });
    const elsewhere = path.join(homeDir, 'elsewhere.json');
    await writeFile(elsewhere, JSON.stringify({ version: 1, labs: [{ dir: path.join(homeDir, 'x'), recordedAt: new Date().toISOString() }] }));
    await symlink(elsewhere, registry);
    expect(await readRegistry(ctx)).toMatchObject({ entries: [], problem: expect.stringMatching(/symbolic link/) });

    await runTool('rm', [registry]);
    await runTool('mkfifo', [registry]);
    // A FIFO would hold a read for ever: it is refused unopened.
    expect(await readRegistry(ctx)).toMatchObject({ entries: [], problem: expect.stringMatching(/FIFO/) });

    await runTool('rm', [registry]);
    await writeFile(registry, `{"version":1,"labs":[${'"x",'.repeat(400_000)}"x"]}`);
    expect(await readRegistry(ctx)).toMatchObject({ entries: [], problem: expect.stringMatching(/larger than/) });

    await writeFile(registry, '{"version":1,"labs":[');
    expect(await readRegistry(ctx)).toMatchObject({ entries: [], problem: expect.stringMatching(/not valid JSON/) });
    const dir = path.join(homeDir, 'labs', 'kept');
    expect(await recordLab(ctx, dir)).toBeNull();
    expect((await readRegistry(ctx)).entries.map((entry) => entry.dir)).toEqual([dir]);
    const aside = (await readdir(path.dirname(registry))).filter((name) => name.startsWith('labs.json.unreadable-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(path.join(path.dirname(registry), aside[0]!), 'utf8')).toBe('{"version":1,"labs":[');
  });

  it('drops entries that are not a lab folder (/, home, /proc, relative, ../, not strings) and duplicates, counting them', async () => {
    const { homeDir, ctx, registry, handlers } = await home();
    const good = path.join(homeDir, 'labs', 'good');
    const at = new Date().toISOString();
    await mkdir(path.dirname(registry), { recursive: true });
    await writeFile(
      registry,
      JSON.stringify({
        version: 1,
        labs: [
          { dir: good, recordedAt: at },
          { dir: good, recordedAt: at },
          { dir: '/', recordedAt: at },
          { dir: homeDir, recordedAt: at },
          { dir: '/proc/self', recordedAt: at },
          { dir: 'labs/rel', recordedAt: at },
          { dir: `${good}/../../../etc`, recordedAt: at },
          { dir: 42, recordedAt: at },
          { dir: good, recordedAt: at, run: 'rm -rf ~' },
        ],
      }),
    );
    const read = await readRegistry(ctx);
    expect(read.entries.map((entry) => entry.dir)).toEqual([good]);
    expect(read.problem).toMatch(/7 entries are not a lab folder's full path/);
    const list = await handlers['labs.list']({});
    expect(list.problem).toBe(read.problem);
    expect(list.labs).toEqual([expect.objectContaining({ dir: good, name: null, problem: expect.stringMatching(/not there any more/) })]);
  });

  it('refuses a newer version rather than overwrite it unread', async () => {
    const { ctx, registry } = await home();
    await mkdir(path.dirname(registry), { recursive: true });
    await writeFile(registry, JSON.stringify({ version: 2, labs: [] }));
    expect((await readRegistry(ctx)).problem).toMatch(/newer Cluster Lab/);
  });
});

describe('the rows of Your labs', () => {
  it('lists registered labs and ~/ClusterLab folders with a lab.json, never following a link there; a broken lab.json is a row with its problem', async () => {
    const { homeDir, handlers } = await home();
    const written = path.join(homeDir, 'work', 'written');
    await handlers['lab.write']({ dir: written, config: lab('written') });
    const found = path.join(homeDir, 'ClusterLab', 'found');
    await handlers['lab.write']({ dir: found, config: lab('found', 120) });
    await handlers['labs.forget']({ dir: found });
    const broken = path.join(homeDir, 'ClusterLab', 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, 'lab.json'), '{"schemaVersion": 1, "name": "broken", "exec": "calc"}');
    await mkdir(path.join(homeDir, 'ClusterLab', 'not-a-lab'));
    await symlink(written, path.join(homeDir, 'ClusterLab', 'linked'));
    const { labs } = await handlers['labs.list']({});
    expect(labs.map((row) => [row.dir, row.name, row.registered])).toEqual([
      [found, 'found', false],
      [written, 'written', true],
      [broken, null, false],
    ]);
    expect(labs[2]!.problem).toMatch(/lab\.json/);
    expect(labs[2]!.machines).toEqual([]);
    expect(labs[1]!.machines).toEqual([
      { name: 'server', role: 'server', ip: '192.168.1.110', state: 'not_created', stateAt: null },
      { name: 'agent1', role: 'agent', ip: '192.168.1.111', state: 'not_created', stateAt: null },
      { name: 'agent2', role: 'agent', ip: '192.168.1.112', state: 'not_created', stateAt: null },
    ]);
  });

  it('shows recorded states while the disk agrees, and the disk where a VM was made or destroyed since', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'states');
    await handlers['lab.write']({ dir, config: lab('states') });
    await makeVm(dir, 'server');
    await makeVm(dir, 'agent1');
    const at = new Date('2026-12-06T05:00:00.000Z');
    await recordStates(
      dir,
      [
        { name: 'server', state: 'running' },
        { name: 'agent1', state: 'not_created' },
        { name: 'agent2', state: 'poweroff' },
      ],
      at,
    );
    const [row] = (await handlers['labs.list']({})).labs;
    expect(row!.machines.map((m) => [m.name, m.state, m.stateAt])).toEqual([
      ['server', 'running', at.toISOString()],
      // Made since the record (a vagrant up outside Cluster Lab): its VM exists, its state unknown.
      ['agent1', 'created', null],
      // Destroyed since.
      ['agent2', 'not_created', null],
    ]);
  });

  it('gives the last check its verdict, per node too', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'checked');
    await handlers['lab.write']({ dir, config: lab('checked') });
    await recordCheck(dir, {
      ok: false,
      checkedAt: '2026-12-06T05:00:00.000Z',
      nodes: [
        { machine: 'server', ok: true, checks: [] },
        { machine: 'agent1', ok: false, checks: [{ id: 'dns', ok: false, detail: 'Resolvers 10.0.2.3' }] },
        { machine: 'agent2', ok: null, checks: [{ id: 'reach', ok: false, detail: 'Not checked: the VM is poweroff.' }] },
      ],
    });
    // The Run step shows the same check on opening the lab, whoever ran it.
    expect((await handlers['lab.lastCheck']({ dir })).check).toMatchObject({ ok: false, checkedAt: '2026-12-06T05:00:00.000Z' });
    const [row] = (await handlers['labs.list']({})).labs;
    expect(row!.check).toMatchObject({
      verdict: 'at-risk',
      checkedAt: '2026-12-06T05:00:00.000Z',
      nodes: [
        { machine: 'server', verdict: 'loop-proof' },
        { machine: 'agent1', verdict: 'at-risk' },
        { machine: 'agent2', verdict: 'not-checked' },
      ],
    });
  });

  it('takes a recorded file that is a link, huge or of another shape as nothing recorded', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'odd');
    await handlers['lab.write']({ dir, config: lab('odd') });
    await makeVm(dir, 'server');
    const outside = path.join(homeDir, 'outside.json');
    await writeFile(
      outside,
      JSON.stringify({ version: 1, states: { at: '2026-12-06T05:00:00.000Z', machines: { server: 'running' } }, check: null }),
    );
    await symlink(outside, path.join(dir, '.cluster-lab', 'recorded.json'));
    expect((await handlers['labs.list']({})).labs[0]!.machines[0]).toMatchObject({ state: 'created', stateAt: null });
    expect((await handlers['lab.lastCheck']({ dir })).check).toBeNull();
    // Nor is a link written through.
    await recordStates(dir, [{ name: 'server', state: 'poweroff' }]);
    expect(JSON.parse(await readFile(outside, 'utf8')).states.machines.server).toBe('running');
  });
});

/** A job's log as the runner names and ends it (jobs/logNames.ts, runner.ts's last line), finished at `endedAt`. */
async function pastLog(
  dir: string,
  kind: 'up' | 'down' | 'destroy' | 'provision',
  startedAt: number,
  last: string | null,
  endedAt = startedAt + 60_000,
) {
  const id = jobId(kind, startedAt, 'a1b2c3');
  const file = path.join(dir, 'logs', logFileName(id, startedAt));
  await writeFile(file, `[cluster-lab] ${kind} started\nsome output\n${last === null ? '' : `[cluster-lab] ${last}\n`}`);
  await utimes(file, new Date(endedAt), new Date(endedAt));
  return { id, file };
}

/** Another process holding the lab's lock for an Up, as the CLI does (jobs/foreign.holder-child.ts). */
async function otherProgram(dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'jobs', 'foreign.holder-child.ts'), dir], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ id: string }>((resolve, reject) => {
    child.once('exit', () => reject(new Error('the holder exited')));
    child.on('message', (message: { ready?: { id: string } }) => message.ready && resolve(message.ready));
  });
  return {
    pid: child.pid!,
    id: ready.id,
    release: async () => {
      child.send({ release: true });
      await exited;
    },
  };
}

describe('jobs and checks in the rows', () => {
  it('shows a job another process runs on the lab (from its lock: kind, owner, pid, start), and the last one its logs tell', async () => {
    const { homeDir, ctx, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'busy');
    await handlers['lab.write']({ dir, config: lab('busy') });
    const t0 = Date.parse('2026-12-06T04:00:00.000Z');
    await pastLog(dir, 'up', t0, 'up failed: vagrant up server exited with 1 The box could not be found.');
    const down = await pastLog(dir, 'down', t0 + 120_000, 'down finished.', t0 + 180_000);
    const other = await otherProgram(dir);
    try {
      const list = await handlers['labs.list']({});
      // The row `cluster-lab labs --json` prints while a job runs, as its documented shape says.
      expectShape('labs', { schemaVersion: 1, ...list });
      const [row] = list.labs;
      // Another program's job: this process cannot cancel it. Listed by the process running it, it can.
      expect(row!.running).toMatchObject({ kind: 'up', owner: 'cli', pid: other.pid, jobId: other.id, here: false });
      expect((await listLabs(ctx, [{ id: other.id, dir }])).labs[0]!.running).toMatchObject({ jobId: other.id, here: true });
      // Another job, or the same id in another folder (a lock from elsewhere naming a job of ours), is not.
      expect((await listLabs(ctx, [{ id: 'up-20261206T040000Z-000000', dir }])).labs[0]!.running).toMatchObject({ here: false });
      expect((await listLabs(ctx, [{ id: other.id, dir: path.join(homeDir, 'ClusterLab', 'other') }])).labs[0]!.running).toMatchObject({
        here: false,
      });
      expect(Date.parse(row!.running!.startedAt)).toBeGreaterThan(t0);
      // The running Up's log is not the last job: the Down before it is.
      expect(row!.job).toEqual({
        id: down.id,
        kind: 'down',
        result: 'succeeded',
        startedAt: new Date(t0 + 120_000).toISOString(),
        finishedAt: new Date(t0 + 180_000).toISOString(),
        logFile: down.file,
      });
    } finally {
      await other.release();
    }
    expect((await handlers['labs.list']({})).labs[0]!.running).toBeNull();
  });

  it('says so, rather than show it, when a live lock names a job this Cluster Lab does not know or a time out of range', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'odd-lock');
    await handlers['lab.write']({ dir, config: lab('odd-lock') });
    const holder = {
      pid: process.pid,
      pidStart: await processStart(process.pid),
      bootId: await thisBoot(),
      hostname: os.hostname(),
      owner: 'cli',
      jobId: 'x',
      children: [],
    };
    for (const odd of [
      { kind: 'rm -rf ~', startedAt: Date.now() },
      { kind: 'up', startedAt: 9e15 },
    ]) {
      await writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ ...holder, ...odd }));
      const [row] = (await handlers['labs.list']({})).labs;
      expect(row!.running).toBeNull();
      expect(row!.problem).toMatch(/holds this lab's lock for something this Cluster Lab does not know/);
    }
  });

  it('says a job whose log has no end, and no live holder, was interrupted; a failed one failed', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'killed');
    await handlers['lab.write']({ dir, config: lab('killed') });
    const t0 = Date.parse('2026-12-06T04:00:00.000Z');
    await pastLog(dir, 'up', t0, 'up failed: the bridge is down.');
    expect((await handlers['labs.list']({})).labs[0]!.job).toMatchObject({ kind: 'up', result: 'failed' });
    await pastLog(dir, 'provision', t0 + 300_000, null);
    expect((await handlers['labs.list']({})).labs[0]!.job).toMatchObject({ kind: 'provision', result: 'interrupted' });
  });

  it('calls the check stale once a checked machine was destroyed or stopped since, or Provision ran after it', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'stale');
    await handlers['lab.write']({ dir, config: lab('stale') });
    for (const machine of ['server', 'agent1', 'agent2']) await makeVm(dir, machine);
    const checkedAt = new Date('2026-12-06T05:00:00.000Z');
    await recordStates(
      dir,
      ['server', 'agent1', 'agent2'].map((name) => ({ name, state: 'running' })),
      checkedAt,
    );
    await recordCheck(dir, {
      ok: true,
      checkedAt: checkedAt.toISOString(),
      nodes: ['server', 'agent1', 'agent2'].map((machine) => ({ machine, ok: true, checks: [] })),
    });
    const check = async () => (await handlers['labs.list']({})).labs[0]!.check;
    expect(await check()).toMatchObject({ verdict: 'loop-proof', stale: null });
    // A Down elsewhere recorded agent2 stopped; agent1's VM is gone from the disk (a destroy outside Cluster Lab).
    await recordStates(
      dir,
      [
        { name: 'server', state: 'running' },
        { name: 'agent1', state: 'running' },
        { name: 'agent2', state: 'poweroff' },
      ],
      new Date(checkedAt.getTime() + 60_000),
    );
    await rm(path.join(dir, '.vagrant', 'machines', 'agent1'), { recursive: true });
    expect(await check()).toMatchObject({ verdict: 'loop-proof', stale: 'agent1 destroyed after the check; agent2 stopped after the check' });
    await pastLog(dir, 'provision', checkedAt.getTime() + 120_000, 'provision finished.');
    expect((await check())!.stale).toMatch(/^Provision ran after the check; /);
  });
});

describe('Delete folder', () => {
  it('is refused while a VM exists, naming it, and deletes nothing', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'alive');
    await handlers['lab.write']({ dir, config: lab('alive') });
    await makeVm(dir, 'agent2');
    const error = await refusal(handlers['labs.deleteFolder']({ dir }));
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/still has VM agent2/);
    expect(await readdir(dir)).toContain('lab.json');
  });

  it('is refused, deleting nothing, when the folder holds what Cluster Lab did not make: an edited Vagrantfile, a kept copy, a stranger file, a link', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'mixed');
    await handlers['lab.write']({ dir, config: lab('mixed') });
    await writeFile(path.join(dir, 'Vagrantfile'), '# mine\n', { flag: 'a' });
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    await writeFile(path.join(dir, 'lab.json.user-2026-12-06T20-57-55-689Z'), '{}');
    await writeFile(path.join(dir, 'logs', 'mine.log'), 'mine');
    await symlink('/etc', path.join(dir, 'shared', 'etc'));
    // In shared/k3s/, only a release's own files in a folder named for a version are Up's.
    await mkdir(path.join(dir, 'shared', 'k3s', 'v1.33.5+k3s1'), { recursive: true });
    await writeFile(path.join(dir, 'shared', 'k3s', 'v1.33.5+k3s1', 'run-me.sh'), 'mine');
    await mkdir(path.join(dir, 'shared', 'k3s', 'latest'));
    await writeFile(path.join(dir, 'shared', 'k3s', 'latest', 'k3s'), 'mine');
    const before = (await readdir(dir, { recursive: true })).sort();
    const error = await refusal(handlers['labs.deleteFolder']({ dir }));
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('Vagrantfile (not as Cluster Lab wrote it)');
    expect(error.message).toContain(path.join('logs', 'mine.log'));
    expect(error.message).toMatch(/^\S+ holds what is not Cluster Lab's to delete: /);
    expect(error.message).toContain('notes.txt');
    expect(error.message).toContain('lab.json.user-2026-12-06T20-57-55-689Z (your earlier lab.json, kept when the lab was written again)');
    expect(error.message).toContain(path.join('shared', 'etc'));
    expect(error.message).toContain(path.join('shared', 'k3s', 'v1.33.5+k3s1', 'run-me.sh'));
    expect(error.message).toContain(path.join('shared', 'k3s', 'latest'));
    expect((await readdir(dir, { recursive: true })).sort()).toEqual(before);
  });

  it('never removes a file the manifest names on its own say-so', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'forged');
    await handlers['lab.write']({ dir, config: lab('forged') });
    const victim = path.join(homeDir, 'victim.txt');
    await writeFile(victim, 'keep me');
    const manifest = path.join(dir, '.cluster-lab', 'written.json');
    const written = JSON.parse(await readFile(manifest, 'utf8')) as { files: Record<string, string> };
    written.files['../../victim.txt'] = 'a'.repeat(64);
    await writeFile(manifest, JSON.stringify(written));
    await refusal(handlers['labs.deleteFolder']({ dir })).catch(() => null);
    expect(await readFile(victim, 'utf8')).toBe('keep me');
  });

  it('after Destroy: removes what Cluster Lab and the lab made (files, logs, guest files, .vagrant without ids), the folder, and the registry entry', async () => {
    const { homeDir, handlers } = await home();
    const dir = path.join(homeDir, 'ClusterLab', 'done');
    await handlers['lab.write']({ dir, config: lab('done') });
    await pastLog(dir, 'up', Date.parse('2026-12-06T04:00:00.000Z'), 'up finished.');
    await writeFile(path.join(dir, 'shared', 'k3s.yaml'), 'apiVersion: v1\n');
    await writeFile(path.join(dir, 'shared', 'token'), 'K10secret');
    // The release Up placed for the guests, and the temp of a placing that was cut short.
    const release = path.join('shared', 'k3s', 'v1.33.5+k3s1');
    await mkdir(path.join(dir, release), { recursive: true });
    for (const file of ['k3s', 'sha256sum-amd64.txt', 'k3s-airgap-images-amd64.tar.zst', 'install.sh', '.k3s.0123456789ab.tmp'])
      await writeFile(path.join(dir, release, file), 'placed');
    // The hashes Up placed the release with, and the temp of a write of them that was cut short.
    await writeFile(path.join(dir, '.cluster-lab', 'k3s-placed.sha256'), `${'a'.repeat(64)}  k3s\n`);
    await writeFile(path.join(dir, '.cluster-lab', '.k3s-placed.sha256.0123456789ab.tmp'), '');
    await writeFile(path.join(dir, 'kubeconfig.yaml'), 'apiVersion: v1\n');
    await mkdir(path.join(dir, '.vagrant', 'machines', 'server', 'virtualbox'), { recursive: true });
    await writeFile(path.join(dir, '.vagrant', 'machines', 'server', 'virtualbox', 'vagrant_cwd'), dir);
    await recordStates(dir, [{ name: 'server', state: 'not_created' }]);
    const report = await handlers['labs.deleteFolder']({ dir });
    expect(report.folderRemoved).toBe(true);
    expect(report.removed).toEqual(
      expect.arrayContaining([
        'Vagrantfile',
        'lab.json',
        'registry.yaml',
        'kubeconfig.yaml',
        path.join('shared', 'token'),
        path.join(release, 'k3s'),
        path.join(release, '.k3s.0123456789ab.tmp'),
        path.join('.cluster-lab', 'k3s-placed.sha256'),
        path.join('.cluster-lab', '.k3s-placed.sha256.0123456789ab.tmp'),
        `${release}/`,
        'shared/',
        '.vagrant',
        'logs/',
      ]),
    );
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    expect((await handlers['labs.list']({})).labs).toEqual([]);
  });
});

describe('a new lab', () => {
  it('gets a name and folder no known lab or non-empty folder has, and a server named after it', async () => {
    const { homeDir, handlers } = await home();
    expect(await handlers['lab.newDefaults']({})).toEqual({
      name: 'cluster-lab',
      dir: path.join(homeDir, 'ClusterLab', 'cluster-lab'),
      serverName: 'cluster-lab-server',
    });
    // A known lab named cluster-lab elsewhere, and a non-empty ~/ClusterLab/cluster-lab-2 of someone's.
    await handlers['lab.write']({ dir: path.join(homeDir, 'work', 'first'), config: lab('cluster-lab') });
    await mkdir(path.join(homeDir, 'ClusterLab', 'cluster-lab-2'), { recursive: true });
    await writeFile(path.join(homeDir, 'ClusterLab', 'cluster-lab-2', 'notes.txt'), 'mine');
    // An empty folder is as good as none.
    await mkdir(path.join(homeDir, 'ClusterLab', 'cluster-lab-3'));
    expect(await handlers['lab.newDefaults']({})).toEqual({
      name: 'cluster-lab-3',
      dir: path.join(homeDir, 'ClusterLab', 'cluster-lab-3'),
      serverName: 'cluster-lab-3-server',
    });
    // "New lab from this one": from cluster-lab-3's name, the next free one, not cluster-lab-3-2.
    await handlers['lab.write']({ dir: path.join(homeDir, 'ClusterLab', 'cluster-lab-3'), config: lab('cluster-lab-3', 120) });
    expect((await handlers['lab.newDefaults']({ name: 'cluster-lab-3' })).name).toBe('cluster-lab-4');
    // A long name stays within the schema's 40 characters.
    const long = 'a'.repeat(40);
    await handlers['lab.write']({ dir: path.join(homeDir, 'ClusterLab', long), config: lab(long, 130) });
    expect((await handlers['lab.newDefaults']({ name: long })).name).toBe(`${'a'.repeat(38)}-2`);
  });
});

describe('the address plan of a new lab', () => {
  it('skips every address a known lab uses and names the lab that holds it; a lab planned again keeps its own', async () => {
    const { homeDir, handlers } = await home();
    const first = path.join(homeDir, 'ClusterLab', 'first');
    await handlers['lab.write']({ dir: first, config: lab('first') });
    const plan = await handlers['plan.suggest']({ nic: 'wlp5s0', agents: 2 });
    const planned = [plan.server.ip, ...plan.agents.map((agent) => agent.ip)];
    expect(planned).toEqual(['192.168.1.113', '192.168.1.114', '192.168.1.115']);
    const { addresses } = await handlers['labs.addresses']({});
    expect(skippedNotes(skippedAddresses(plan, addresses, null))).toEqual([
      `Skipped 192.168.1.110, 192.168.1.111, 192.168.1.112: used by lab 'first' (${first}).`,
    ]);
    expect((await handlers['plan.suggest']({ nic: 'wlp5s0', agents: 2, dir: first })).server.ip).toBe('192.168.1.110');
    // Typed by hand on another lab: the field says whose it is.
    expect(addressIssues({ ...plan, server: { ...plan.server, ip: '192.168.1.111' } }, addresses, null)).toEqual([
      { path: 'server.ip', message: `192.168.1.111 is used by lab 'first' (${first}): pick another address, or Reset to suggestion.` },
    ]);
    expect(addressIssues(lab('first'), addresses, first)).toEqual([]);
  });
});
