/**
 * One child of a job, with the process and the log stood in: its chunks reach the log by stream,
 * a slow log pauses it, its end becomes success, a cancel or a failure that names the machine, and
 * a stop goes stage by stage and then clears what the command left running.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../../../shared/jobs';
import type { StreamingProcess, StreamOptions, StreamResult } from '../process';
import { runChild, stopTree } from './child';
import { Cancelled, StepFailure, type Job } from './job';
import { processStart } from '../processLiveness';
import type { LockChild } from './lock';
import type * as Time from '../time';
import { delay } from '../time';

// The polls while a tree dies are counted, and still really waited.
vi.mock('../time', async (actual) => {
  const time = await actual<typeof Time>();
  return { ...time, delay: vi.fn(time.delay) };
});

const spawned = vi.hoisted(() => ({ calls: [] as { file: string; args: readonly string[]; options: StreamOptions; child: FakeProcess }[] }));

interface FakeProcess extends StreamingProcess {
  end(result: Partial<StreamResult>): void;
  events: string[];
}

vi.mock('../process', () => ({
  streamTool: (file: string, args: readonly string[], options: StreamOptions) => {
    let end: (result: StreamResult) => void = () => {};
    const events: string[] = [];
    const child: FakeProcess = {
      pid: 4242,
      done: new Promise<StreamResult>((resolve) => (end = resolve)),
      signalTree: async () => true,
      treeAlive: () => false,
      pause: () => events.push('pause'),
      resume: () => events.push('resume'),
      end: (result) => end({ exitCode: 0, signal: null, spawnError: null, ...result }),
      events,
    };
    spawned.calls.push({ file, args, options, child });
    return child;
  },
}));

const line = (text: string, stream: LogLine['stream'] = 'stdout', node: string | null = null): LogLine => ({ seq: 0, stream, node, text });

/** A job whose log records what it is given; its child log accepts chunks until told otherwise. */
function fakeJob(
  kind: 'up' | 'status' = 'up',
  { tail = [] as LogLine[], stopped = { node: null as string | null, action: null as string | null } } = {},
) {
  const record: string[] = [];
  let drained: (() => void) | null = null;
  const childLog = {
    accepts: true,
    chunk: (stream: string, chunk: Uint8Array) => {
      record.push(`${stream}: ${Buffer.from(chunk).toString()}`);
      return childLog.accepts;
    },
    whenDrained: (then: () => void) => (drained = then),
    end: () => record.push('end'),
    lastLines: (count: number) => (record.push(`lastLines ${count}`), tail),
    whereItStopped: () => (record.push('whereItStopped'), stopped),
  };
  const job = {
    info: { kind, dir: '/labs/demo' },
    log: { app: (text: string) => record.push(`app: ${text}`), child: () => childLog },
    children: new Set<StreamingProcess>(),
    lock: {
      addChild: vi.fn(async (child: LockChild) => void record.push(`lock+ ${child.pid} ${child.command}`)),
      removeChild: vi.fn(async (pid: number) => void record.push(`lock- ${pid}`)),
    },
    cancelRequested: false,
    abort: new AbortController(),
    statusOutput: '',
  } as unknown as Job;
  return { job, record, childLog, drain: () => drained?.() };
}

const lastSpawn = () => spawned.calls.at(-1)!;
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  spawned.calls.length = 0;
  vi.mocked(delay).mockClear();
});

describe('running a job’s command', () => {
  it('says the command, runs it in the lab folder with the given environment, and hands each chunk to the log by stream', async () => {
    const { job, record } = fakeJob();
    const env = { PATH: '/opt/vagrant/bin' };
    const running = runChild(job, { step: 'Start the server', file: '/opt/vagrant/bin/vagrant', args: ['up', 'server'], env });
    const { file, args, options, child } = lastSpawn();
    expect([file, args, options.cwd, options.env]).toEqual(['/opt/vagrant/bin/vagrant', ['up', 'server'], '/labs/demo', env]);
    expect(job.children.has(child)).toBe(true);
    options.onStdout(Buffer.from('==> server: Booting VM...\n'));
    options.onStderr(Buffer.from('warning\n'));
    child.end({ exitCode: 0 });
    await running;
    // In the lab's lock while it runs, for a later start to find if this process dies.
    expect(record).toEqual([
      'app: $ vagrant up server',
      'stdout: ==> server: Booting VM...\n',
      'stderr: warning\n',
      'lock+ 4242 vagrant up server',
      'lock- 4242',
      'end',
    ]);
    expect(job.children.size).toBe(0);
    expect(job.statusOutput).toBe('');
  });

  it('records the command with its start time, and runs it on when the lock cannot be written', async () => {
    const { job, record } = fakeJob();
    vi.mocked(job.lock.addChild).mockRejectedValueOnce(new Error('Could not update the job lock /labs/demo/.cluster-lab.lock: the disk is full.'));
    const running = runChild(job, { step: 'Start the server', file: 'vagrant', args: ['up', 'server'], env: {} });
    lastSpawn().options.onStdout(Buffer.from('==> server: Booting VM...\n'));
    lastSpawn().child.end({ exitCode: 0 });
    await running;
    expect(vi.mocked(job.lock.addChild).mock.calls[0]![0]).toEqual({ pid: 4242, start: await processStart(4242), command: 'vagrant up server' });
    expect(job.lock.removeChild).not.toHaveBeenCalled();
    expect(record).toContain(
      "app: Could not record vagrant up server (process 4242) in the lab's lock: Could not update the job lock /labs/demo/.cluster-lab.lock: the disk is full.",
    );
  });

  it('keeps what a Status job prints on stdout, for the status table', async () => {
    const { job } = fakeJob('status');
    const running = runChild(job, { step: 'Status', file: 'vagrant', args: ['status', '--machine-readable'], env: {} });
    lastSpawn().options.onStdout(Buffer.from('1,server,state,running\n'));
    lastSpawn().options.onStderr(Buffer.from('noise\n'));
    lastSpawn().child.end({});
    await running;
    expect(job.statusOutput).toBe('1,server,state,running\n');
  });

  it('stops reading while the log file catches up, once, and reads on when it has', async () => {
    const { job, childLog, drain } = fakeJob();
    const running = runChild(job, { step: 'Up', file: 'vagrant', args: ['up'], env: {} });
    const { options, child } = lastSpawn();
    childLog.accepts = false;
    options.onStdout(Buffer.from('a\n'));
    options.onStderr(Buffer.from('b\n'));
    expect(child.events).toEqual(['pause']);
    drain();
    expect(child.events).toEqual(['pause', 'resume']);
    options.onStdout(Buffer.from('c\n'));
    expect(child.events).toEqual(['pause', 'resume', 'pause']);
    childLog.accepts = true;
    drain();
    options.onStdout(Buffer.from('d\n'));
    expect(child.events).toEqual(['pause', 'resume', 'pause', 'resume']);
    child.end({});
    await running;
  });

  it('ends as cancelled when the job was cancelled, however the command ended', async () => {
    for (const result of [{ exitCode: 130 }, { exitCode: 0 }, { exitCode: null, spawnError: 'vagrant was not found' }]) {
      const { job } = fakeJob();
      const running = runChild(job, { step: 'Up', file: 'vagrant', args: ['up'], env: {} });
      job.cancelRequested = true;
      lastSpawn().child.end(result);
      await expect(running).rejects.toBeInstanceOf(Cancelled);
    }
  });

  it('says a command that could not start, and points to the machine check', async () => {
    const { job } = fakeJob();
    const running = runChild(job, { step: 'Up', file: '/usr/bin/vagrant', args: ['up'], env: {} });
    lastSpawn().child.end({ exitCode: null, spawnError: '/usr/bin/vagrant was not found' });
    const failure = await running.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StepFailure);
    expect((failure as StepFailure).failure).toEqual({
      machine: null,
      step: 'Up',
      message: 'Could not start /usr/bin/vagrant: /usr/bin/vagrant was not found.',
      hint: 'Check the installation (Check machine step), then try again.',
      lastLines: [],
    });
  });

  it('names where Vagrant stopped, from its own last 60 lines, when it fails', async () => {
    const tail = [
      line('==> agent1: Running provisioner: k3s (shell)...', 'stdout', 'agent1'),
      line('    agent1: curl: (6) Could not resolve host', 'stdout', 'agent1'),
    ];
    const { job, record } = fakeJob('up', { tail, stopped: { node: 'agent1', action: 'Running provisioner: k3s (shell)...' } });
    const running = runChild(job, { step: 'Start the agents', file: '/opt/HashiCorp/Vagrant/bin/vagrant.exe', args: ['up', 'agent1'], env: {} });
    lastSpawn().child.end({ exitCode: 1 });
    const failure = ((await running.catch((e: unknown) => e)) as StepFailure).failure;
    expect(failure.message).toBe('vagrant up failed on agent1 while "Running provisioner: k3s (shell)" (exited with 1).');
    expect(failure.machine).toBe('agent1');
    expect(record.slice(-3)).toEqual(['end', 'whereItStopped', 'lastLines 60']);
  });

  it("shows a failed provisioner's last plain sentences with the errors, but never Vagrant's progress lines", async () => {
    const failureOf = async (tail: LogLine[], action: string) => {
      const { job } = fakeJob('up', { tail, stopped: { node: 'agent1', action } });
      const running = runChild(job, { step: 'Start the agents', file: '/usr/bin/vagrant', args: ['up', 'agent1'], env: {} });
      lastSpawn().child.end({ exitCode: 1 });
      return ((await running.catch((e: unknown) => e)) as StepFailure).failure;
    };
    const vagrantError = line('The SSH command responded with a non-zero exit status.', 'stderr', null);
    const provisioned = await failureOf(
      [
        line('==> agent1: Running provisioner: network (shell)...', 'stdout', 'agent1'),
        line('    agent1: Running: inline script', 'stdout', 'agent1'),
        line("    agent1: After 30 s the default routes are not the lab's", 'stdout', 'agent1'),
        vagrantError,
      ],
      'Running provisioner: network (shell)...',
    );
    expect(provisioned.lastLines).toEqual([
      '    agent1: Running: inline script',
      "    agent1: After 30 s the default routes are not the lab's",
      'The SSH command responded with a non-zero exit status.',
    ]);
    const booting = await failureOf(
      [
        line('==> agent1: Booting VM...', 'stdout', 'agent1'),
        line('    agent1: SSH address: 127.0.0.1:2222', 'stdout', 'agent1'),
        line('    agent1: SSH username: vagrant', 'stdout', 'agent1'),
        vagrantError,
      ],
      'Booting VM...',
    );
    expect(booting.lastLines).toEqual(['The SSH command responded with a non-zero exit status.']);
  });

  it('names the one machine a command works on, with where it stopped only when that is the same machine', async () => {
    const cases = [
      { stopped: { node: 'agent2', action: 'Booting VM...' }, message: 'vagrant up failed on agent2 while "Booting VM" (exited with 1).' },
      { stopped: { node: 'server', action: 'Booting VM...' }, message: 'vagrant up failed on agent2 (exited with 1).' },
    ];
    for (const { stopped, message } of cases) {
      const { job } = fakeJob('up', { stopped });
      const running = runChild(job, { step: 'Start the agents', file: 'vagrant', args: ['up', 'agent2'], env: {}, machine: 'agent2' });
      lastSpawn().child.end({ exitCode: 1 });
      const failure = ((await running.catch((e: unknown) => e)) as StepFailure).failure;
      expect([failure.machine, failure.message]).toEqual(['agent2', message]);
    }
  });

  it('asks only Vagrant’s output where it stopped: another tool’s failure names no machine', async () => {
    const { job, record } = fakeJob('up', { stopped: { node: 'server', action: 'Booting VM...' } });
    const running = runChild(job, { step: 'Wait for the nodes', file: 'kubectl', args: ['--kubeconfig', 'k.yaml', 'get', 'nodes'], env: {} });
    lastSpawn().child.end({ exitCode: 1 });
    const failure = ((await running.catch((e: unknown) => e)) as StepFailure).failure;
    expect([failure.machine, failure.message]).toEqual([null, 'kubectl get nodes failed (exited with 1).']);
    expect(record).not.toContain('whereItStopped');
  });
});

/** A command that ends at the stage named, and whose tree (what it started) lives on for `treeStages` more signals. */
function stoppable({ endsOn, treeStages = 0, delivered = true }: { endsOn: string | null; treeStages?: number; delivered?: boolean }) {
  const sent: string[] = [];
  let end: (result: StreamResult) => void = () => {};
  let tree = treeStages;
  const child: StreamingProcess = {
    pid: 4242,
    done: new Promise<StreamResult>((resolve) => (end = resolve)),
    signalTree: async (stage) => {
      sent.push(stage);
      if (stage === endsOn || stage === 'kill') end({ exitCode: null, signal: 'SIGINT', spawnError: null });
      else if (sent.length > 1 && tree > 0) tree--;
      return delivered;
    },
    treeAlive: () => tree > 0,
    pause() {},
    resume() {},
  };
  const lines: string[] = [];
  const job = { log: { app: (text: string) => lines.push(text) } } as unknown as Job;
  return { child, sent, lines, job, killTree: () => (tree = 0) };
}

describe('stopping a job’s command, stage by stage', () => {
  const timings = { sigintWaitMs: 30, sigtermWaitMs: 60 };

  it('ends at Ctrl-C when the command ends there', async () => {
    const { child, sent, lines, job } = stoppable({ endsOn: 'interrupt' });
    await stopTree(job, child, timings, 'linux');
    expect(sent).toEqual(['interrupt']);
    expect(lines).toEqual(['Sent Ctrl-C (SIGINT).']);
  });

  it('ends at SIGTERM when Ctrl-C was not enough, saying how long it waited', async () => {
    const { child, sent, lines, job } = stoppable({ endsOn: 'terminate' });
    await stopTree(job, child, timings, 'darwin');
    expect(sent).toEqual(['interrupt', 'terminate']);
    expect(lines).toEqual(['Sent Ctrl-C (SIGINT).', 'Still running 0.03 s after Ctrl-C (SIGINT): sending SIGTERM.']);
  });

  it('says when Ctrl-C could not be sent, and goes on to the next stage', async () => {
    const { child, sent, lines, job } = stoppable({ endsOn: 'terminate', delivered: false });
    await stopTree(job, child, timings, 'linux');
    expect(sent).toEqual(['interrupt', 'terminate']);
    expect(lines[0]).toBe('Could not send Ctrl-C (SIGINT); the next step follows if it keeps running.');
  });

  it('stops what the command left running: SIGTERM first on POSIX', async () => {
    const { child, sent, lines, job } = stoppable({ endsOn: 'interrupt', treeStages: 1 });
    await stopTree(job, child, timings, 'linux');
    expect(sent).toEqual(['interrupt', 'terminate']);
    expect(lines.at(-1)).toBe('Processes started by the command are still running: stopping them.');
  });

  it('then SIGKILL when they outlive SIGTERM, waiting until they are gone', async () => {
    const { child, sent, job } = stoppable({ endsOn: 'interrupt', treeStages: 5 });
    const gone = vi.fn();
    const kill = child.signalTree;
    child.signalTree = async (stage) => {
      const delivered = await kill(stage);
      if (stage === 'kill') setTimeout(() => void (child.treeAlive = () => (gone(), false)), 40);
      return delivered;
    };
    const started = Date.now();
    await stopTree(job, child, timings, 'linux');
    expect(sent).toEqual(['interrupt', 'terminate', 'kill']);
    // It waited the SIGTERM grace, then for the tree to go after SIGKILL.
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(gone).toHaveBeenCalled();
  });

  it('waits after SIGKILL until the command has ended, however long that takes', async () => {
    const { child, sent, job } = stoppable({ endsOn: null });
    let ended = false;
    let end: () => void = () => {};
    const done = new Promise<StreamResult>((resolve) => (end = () => resolve({ exitCode: null, signal: 'SIGKILL', spawnError: null })));
    child.done = done.then((result) => ((ended = true), result));
    const signal = child.signalTree;
    child.signalTree = async (stage) => {
      if (stage === 'kill') setTimeout(end, 50);
      return signal(stage);
    };
    await stopTree(job, child, timings, 'linux');
    expect(sent).toEqual(['interrupt', 'terminate', 'kill']);
    expect(ended).toBe(true);
  });

  it('stops polling as soon as what the command left is gone after SIGKILL', async () => {
    const { child, sent, job } = stoppable({ endsOn: 'interrupt', treeStages: 5 });
    const signal = child.signalTree;
    child.signalTree = async (stage) => {
      if (stage === 'kill') child.treeAlive = () => false;
      return signal(stage);
    };
    await stopTree(job, child, timings, 'linux');
    expect(sent).toEqual(['interrupt', 'terminate', 'kill']);
    // The SIGTERM grace went by in polls of 50 ms; after SIGKILL there was no poll (of 20 ms) at all.
    const polls = vi.mocked(delay).mock.calls.map(([ms]) => ms);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((ms) => ms === 50)).toBe(true);
  });

  it('gives up waiting 2 s after SIGKILL on what will not die (a process stuck in the kernel)', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    try {
      const { child, sent, job } = stoppable({ endsOn: 'interrupt', treeStages: Infinity });
      let settled = false;
      const stopping = stopTree(job, child, timings, 'linux').then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(1_900);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(300);
      expect(settled).toBe(true);
      await stopping;
      expect(sent).toEqual(['interrupt', 'terminate', 'kill']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('leaves the tree alone once it goes within the SIGTERM grace', async () => {
    const { child, sent, job, killTree } = stoppable({ endsOn: 'interrupt', treeStages: 5 });
    const terminate = child.signalTree;
    child.signalTree = async (stage) => {
      if (stage === 'terminate') setTimeout(killTree, 20);
      return terminate(stage);
    };
    await stopTree(job, child, timings, 'linux');
    expect(sent).toEqual(['interrupt', 'terminate']);
  });

  it('on Windows stops what the command left running by force at once', async () => {
    const { child, sent, job } = stoppable({ endsOn: 'interrupt', treeStages: 1 });
    const kill = child.signalTree;
    child.signalTree = async (stage) => {
      const delivered = await kill(stage);
      if (stage === 'kill') child.treeAlive = () => false;
      return delivered;
    };
    await stopTree(job, child, timings, 'win32');
    expect(sent).toEqual(['interrupt', 'kill']);
    await settle();
  });
});
