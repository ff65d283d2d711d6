/**
 * The CLI as a process of its own (entry.ts, as `cluster-lab` runs it) with the fake vagrant: a job
 * dies with its owner or is found again. SIGTERM and SIGHUP during the agents' boots cancel like
 * Ctrl-C and leave no process of the job behind; a kill -9 leaves Vagrant running, and the next
 * start names it instead of starting a second one, until --stop-orphans stops it. And one writer per
 * lab: render is refused while Up runs, and writes nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeToolsContext } from '../../fixtures/env';
import { markedProcesses, MARK_VARIABLE, newMark } from '../../fixtures/marked';
import { tempDirs } from '../../fixtures/tmp';
import { seedLab } from '../../shared/render/testing';
import { LabRunner, LOCK_FILE } from '../services/jobs';
import { createContext } from '../services/context';
import { writeLab } from '../services/labFolder';
import { runCli } from './runCli';

const tempDir = tempDirs('cli-signals');
const repoRoot = path.resolve(import.meta.dirname, '../..');
const onLinux = process.platform === 'linux';

let home: string;
let dir: string;
let gate: string;
/** In the environment of every process of a test's job, and of nothing else. */
let mark: string;
const started: ChildProcess[] = [];

beforeEach(async () => {
  home = await tempDir();
  dir = path.join(home, 'lab');
  gate = path.join(home, 'gate');
  mark = newMark();
  await mkdir(gate);
  await writeLab(dir, seedLab());
});

afterEach(async () => {
  // Whatever a failed test left running is ours to end: by pid, and only what carries this test's mark.
  for (const pid of jobProcesses()) process.kill(pid, 'SIGKILL');
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const env = () => fakeToolsContext(home, { FAKE_VAGRANT_GATE: gate, [MARK_VARIABLE]: mark });

const jobProcesses = () => markedProcesses(mark);

/** `cluster-lab ARGV` as its own process, the way the bin runs it. */
function cli(argv: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'electron/cli/entry.ts'), ...argv], {
    cwd: repoRoot,
    env: env().env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const output = { out: '', err: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exited };
}

/** Resolves once every one of `machines` is held in its boot by the fake vagrant's gate. */
async function booting(...machines: string[]) {
  while (!machines.every((machine) => existsSync(path.join(gate, `${machine}.booting`)))) await new Promise((r) => setTimeout(r, 10));
}

const lockRecord = async () =>
  JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8')) as { pid: number; children: { pid: number; command: string }[] };

describe.skipIf(!onLinux)('a job dies with its owner', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)(
    '%s during the agents’ boots cancels like Ctrl-C (Vagrant gets it first), and the CLI exits %i once every process of the job is gone',
    async (signal, code) => {
      await writeFile(path.join(gate, 'server'), '');
      const up = cli(['up', '--dir', dir]);
      await booting('agent1', 'agent2');
      // The agents run side by side, each in its own vagrant, and the lock names both.
      const record = await lockRecord();
      expect(record.pid).toBe(up.child.pid);
      expect(record.children.map((child) => child.command).sort()).toEqual([
        'vagrant up --provider=virtualbox agent1',
        'vagrant up --provider=virtualbox agent2',
      ]);
      expect(jobProcesses()).toEqual(expect.arrayContaining([up.child.pid, ...record.children.map((child) => child.pid)]));

      up.child.kill(signal);
      expect(await up.exited).toEqual({ code, signal: null });
      expect(jobProcesses()).toEqual([]);
      expect(await readdir(dir)).not.toContain(LOCK_FILE);
      expect(up.output.err).toContain(`[cluster-lab] ${signal}: cancelling the job as Ctrl-C does.`);
      expect(up.output.err).toContain('cluster-lab up: cancelled.');
      for (const agent of ['agent1', 'agent2']) expect(up.output.out).toContain(`==> ${agent}: Waiting for cleanup before exiting...`);
    },
    90_000,
  );

  it('is found again when its owner was killed with -9: the next start names what still runs and starts no second vagrant; --stop-orphans stops it', async () => {
    await writeFile(path.join(gate, 'server'), '');
    const up = cli(['up', '--dir', dir]);
    await booting('agent1', 'agent2');
    const agents = (await lockRecord()).children;
    up.child.kill('SIGKILL');
    await up.exited;
    // Vagrant outlives its owner: nothing stopped it. (The node-table query the job ran beside the
    // agents, a `vagrant status`, ends by itself: it is waited out.)
    const agentPids = agents.map((agent) => agent.pid).sort();
    while (jobProcesses().some((pid) => !agentPids.includes(pid))) await new Promise((r) => setTimeout(r, 20));
    const left = jobProcesses();
    expect(left.sort()).toEqual(agentPids);

    const again = await runCli(['up', '--dir', dir], env());
    expect(again.code).toBe(1);
    for (const agent of agents)
      expect(again.err).toContain(`vagrant up --provider=virtualbox ${agent.command.split(' ').at(-1)} (process ${agent.pid})`);
    expect(again.err).toMatch(
      new RegExp(
        `^cluster-lab up: The up job of process ${up.child.pid} \\(since .+\\) ended without stopping what it started: .+ still run on this lab\\.`,
      ),
    );
    expect(again.err).toContain(`cluster-lab up --dir ${dir} --stop-orphans`);
    // Nothing new started: the same two vagrant processes, and the dead owner's lock as it was.
    expect(jobProcesses().sort()).toEqual(left.sort());
    expect((await lockRecord()).pid).toBe(up.child.pid);
    // A write waits for them too: Vagrant reads those files.
    expect((await runCli(['render', '--dir', dir, '--config', path.join(dir, 'lab.json')], env())).code).toBe(1);

    const down = await runCli(['down', '--dir', dir, '--stop-orphans'], env());
    expect(down.code, down.err).toBe(0);
    for (const agent of agents)
      expect(down.out).toContain(`[cluster-lab] Stopped ${agent.command} (process ${agent.pid}), left running by a job whose process had died.`);
    expect(down.out).toContain('[cluster-lab] down succeeded.');
    expect(jobProcesses()).toEqual([]);
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  }, 90_000);
});

/** Every file of the lab folder but the job's own (logs, Vagrant's state, the lock) with its bytes. */
async function labFiles(folder: string, prefix = ''): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const name = path.join(prefix, entry.name);
    if (['logs', '.vagrant', LOCK_FILE].includes(name)) continue;
    if (entry.isDirectory()) Object.assign(files, await labFiles(path.join(folder, entry.name), name));
    else files[name] = await readFile(path.join(folder, entry.name), 'utf8');
  }
  return files;
}

describe('one writer per lab', () => {
  it('refuses render while Up runs on the lab, naming the job and its process, and writes nothing', async () => {
    const runner = new LabRunner(createContext(env()), { sigintWaitMs: 5_000 });
    const job = await runner.start(dir, 'up');
    await booting('server');
    const before = await labFiles(dir);
    const render = await runCli(['render', '--dir', dir, '--config', path.join(dir, 'lab.json'), '--memory', '2048'], env());
    expect(render.code).toBe(1);
    expect(render.err).toMatch(
      new RegExp(`^cluster-lab render: The up job is already running on this lab \\(process ${process.pid}, the cluster-lab CLI, since .+\\)\\.`),
    );
    expect(await labFiles(dir)).toEqual(before);
    expect((await runner.cancel(job.id)).status).toBe('cancelled');
    // With the job gone, the same render writes.
    const after = await runCli(['render', '--dir', dir, '--config', path.join(dir, 'lab.json'), '--memory', '2048'], env());
    expect(after.code, after.err).toBe(0);
    expect(JSON.parse((await labFiles(dir))['lab.json']!).vm.memoryMb).toBe(2048);
  }, 60_000);
});
