import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, symlink, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventName, EventPayload } from '../../../shared/contract';
import { LOG_BATCH_MAX_LINES, type LabStatus, type LogBatch, type LogLine } from '../../../shared/jobs';
import { seedLab } from '../../../shared/render/testing';
import { seedBridgeEnv } from '../../../fixtures/env';
import { serveRelease, standInRelease, standInSources } from '../../../fixtures/k3sRelease';
import { loopbackServer } from '../../../fixtures/loopbackServer';
import { machineStates, parseMachineReadable } from '../../../shared/vagrantOutput';
import { createContext, type ServiceContext } from '../context';
import { LabRunner, LOCK_FILE, type RunnerOptions } from '.';
import { writeLab } from '../labFolder';
import { parseProcStat, runTool } from '../process';
import { findExecutable } from '../tools';
import { vagrantStatus } from '../vagrant';

const fakeBin = path.resolve(import.meta.dirname, '../../../fixtures/bin');
let home: string;
let dir: string;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-jobs-'));
  dir = path.join(home, 'lab');
  await writeLab(dir, seedLab());
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function setup(extraEnv: Record<string, string> = {}, options: RunnerOptions = {}, pathDirs = [fakeBin, process.env.PATH ?? '']) {
  const ctx: ServiceContext = createContext({
    env: {
      ...process.env,
      PATH: pathDirs.join(path.delimiter),
      HOME: home,
      KUBECONFIG: path.join(home, '.kube', 'config'),
      ...seedBridgeEnv(),
      ...extraEnv,
    },
    homeDir: home,
  });
  const seen: { [K in EventName]: EventPayload<K>[] } = { 'job.update': [], 'job.log': [], 'lab.status': [], 'lab.check': [], 'ui.state': [] };
  ctx.events.onAny((name, payload) => (seen[name] as unknown[]).push(payload));
  const runner = new LabRunner(ctx, { batchMs: 20, readyPollMs: 50, readyTimeoutMs: 3_000, ...options });
  return { ctx, runner, seen };
}

const batchedLines = (batches: LogBatch[]) => batches.flatMap((b) => b.lines);
/** Whether the process runs; a zombie (exited, waiting to be reaped) does not. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.state !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
};

describe('LabRunner with the fake vagrant and kubectl', () => {
  it('runs Up through every step, leaves the kubeconfig and shows the nodes running and Ready; Down stops them', async () => {
    const { runner, seen } = setup();
    const started = await runner.start(dir, 'up');
    expect(started.status).toBe('running');
    const up = await runner.wait(started.id);
    expect(up.status, JSON.stringify(up.failure)).toBe('succeeded');
    expect(up.steps.map((s) => [s.id, s.status])).toEqual([
      ['k3s-release', 'succeeded'],
      ['vagrant-up-server', 'succeeded'],
      ['vagrant-up-agents', 'succeeded'],
      ['kubeconfig', 'succeeded'],
      ['registry', 'succeeded'],
      ['nodes-ready', 'succeeded'],
      ['lab-check', 'succeeded'],
    ]);
    // The check ran from inside each VM (the stand-in answers as healthy guests of the lab do).
    expect(seen['lab.check'].at(-1)!.check.nodes.map((n) => [n.machine, n.ok])).toEqual([
      ['server', true],
      ['agent1', true],
      ['agent2', true],
    ]);
    const lines = batchedLines(seen['job.log']);
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i));
    expect(lines.find((l) => l.text.startsWith('==> agent2: Booting VM'))?.node).toBe('agent2');
    expect(lines.some((l) => l.text.includes('deployment.apps/kube-registry-v0 created'))).toBe(true);
    expect(seen['job.log'].at(-1)!.total).toBe(up.lineCount);
    const status = seen['lab.status'].at(-1) as LabStatus;
    expect(status.nodes.map((n) => [n.machine, n.name, n.vagrantState, n.ready])).toEqual([
      ['server', 'multi', 'running', true],
      ['agent1', 'agent1', 'running', true],
      ['agent2', 'agent2', 'running', true],
    ]);
    expect(status.kubeconfigPath).toBe(path.join(dir, 'kubeconfig.yaml'));
    const file = await readFile(up.logFile, 'utf8');
    expect(file).toContain("Bringing machine 'server' up with 'virtualbox' provider...");
    expect(await readdir(dir)).not.toContain(LOCK_FILE);

    const down = await runner.wait((await runner.start(dir, 'down')).id);
    expect(down.status).toBe('succeeded');
    expect((seen['lab.status'].at(-1) as LabStatus).nodes.map((n) => [n.vagrantState, n.ready])).toEqual([
      ['poweroff', null],
      ['poweroff', null],
      ['poweroff', null],
    ]);
  });

  it('shows a dotted, mixed-case server name as the node k3s names it, Ready, in the node table', async () => {
    await writeLab(dir, { ...seedLab(), server: { name: 'K3s.Lab.Example', ip: '192.168.1.110' } });
    const { runner, seen } = setup();
    const up = await runner.wait((await runner.start(dir, 'up')).id);
    expect(up.status, JSON.stringify(up.failure)).toBe('succeeded');
    const status = seen['lab.status'].at(-1) as LabStatus;
    expect(status.nodes.map((n) => [n.machine, n.name, n.ready])).toEqual([
      ['server', 'k3s.lab.example', true],
      ['agent1', 'agent1', true],
      ['agent2', 'agent2', true],
    ]);
    expect(await readFile(path.join(dir, 'registry.yaml'), 'utf8')).toContain('kubernetes.io/hostname: k3s.lab.example');
  });

  describe('Up side by side', () => {
    const fourNodes = () => ({ ...seedLab(), agents: [1, 2, 3].map((n) => ({ name: `agent${n}`, ip: `192.168.1.${110 + n}` })) });
    interface Entry {
      machine?: string;
      command?: string;
      start?: number;
      end?: number;
      started?: string;
      machines?: string[];
      pid: number;
    }
    const readTimeline = async (file: string) =>
      (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Entry);

    /** The fake vagrant's boot gate: machines wait in their boot until the test lets them through. */
    async function bootGate() {
      const folder = path.join(home, 'gate');
      await mkdir(folder);
      return {
        env: { FAKE_VAGRANT_GATE: folder },
        open: (...names: string[]) => Promise.all(names.map((name) => writeFile(path.join(folder, name), ''))),
        /** Resolves once every one of `names` is waiting in its boot at the same time. */
        async allBooting(...names: string[]) {
          while (!names.every((name) => existsSync(path.join(folder, `${name}.booting`)))) await new Promise((r) => setTimeout(r, 10));
        },
      };
    }

    it('brings the server up first, then every agent at once, each in its own vagrant', async () => {
      await writeLab(dir, fourNodes());
      const timeline = path.join(home, 'timeline.jsonl');
      const gate = await bootGate();
      await gate.open('server');
      const { runner, seen } = setup({ ...gate.env, FAKE_VAGRANT_TIMELINE: timeline });
      const job = await runner.start(dir, 'up');
      // All three boots are held at once: only agents started side by side can be.
      await gate.allBooting('agent1', 'agent2', 'agent3');
      expect(seen['job.update'].at(-1)!.steps[2]!.machines!.map((m) => [m.machine, m.status])).toEqual([
        ['agent1', 'running'],
        ['agent2', 'running'],
        ['agent3', 'running'],
      ]);
      await gate.open('agent1', 'agent2', 'agent3');
      const up = await runner.wait(job.id);
      expect(up.status, JSON.stringify(up.failure)).toBe('succeeded');
      const entries = await readTimeline(timeline);
      const started = entries.filter((e) => e.started === 'up').map((e) => e.machines);
      expect(started[0]).toEqual(['server']);
      expect(started.slice(1).sort()).toEqual([['agent1'], ['agent2'], ['agent3']]);
      const ups = entries.filter((e) => e.command === 'up');
      const server = ups.find((e) => e.machine === 'server')!;
      const agents = ups.filter((e) => e.machine !== 'server');
      expect(agents.map((a) => a.machine).sort()).toEqual(['agent1', 'agent2', 'agent3']);
      expect(new Set(agents.map((a) => a.pid)).size).toBe(3);
      // No agent starts before the server is up.
      for (const agent of agents) expect(agent.start!).toBeGreaterThanOrEqual(server.end!);
      expect(up.steps[2]!.label).toBe('vagrant up the agents, side by side');
    });

    it('brings the agents up one after another when the lab says so, or when asked', async () => {
      for (const [lab, options] of [
        [{ ...fourNodes(), vm: { ...fourNodes().vm, parallel: false } }, {}],
        [fourNodes(), { sequential: true }],
      ] as const) {
        await rm(dir, { recursive: true, force: true });
        await writeLab(dir, lab);
        const timeline = path.join(home, `timeline-${Math.random()}.jsonl`);
        const { runner } = setup({ FAKE_VAGRANT_MACHINE_MS: '150', FAKE_VAGRANT_TIMELINE: timeline });
        const up = await runner.wait((await runner.start(dir, 'up', options)).id);
        expect(up.status).toBe('succeeded');
        expect(up.steps[2]!.label).toBe('vagrant up the agents, one after another');
        const agents = (await readTimeline(timeline)).filter((e) => e.command === 'up' && e.machine !== 'server');
        expect(agents.map((a) => a.machine)).toEqual(['agent1', 'agent2', 'agent3']);
        for (let i = 1; i < agents.length; i++) expect(agents[i]!.start!).toBeGreaterThanOrEqual(agents[i - 1]!.end!);
      }
    }, 60_000);

    it('cancels every agent at once with Ctrl-C, and leaves no vagrant running', async () => {
      await writeLab(dir, fourNodes());
      const timeline = path.join(home, 'timeline.jsonl');
      // The server comes up at once; the agents stay in their boots until Ctrl-C.
      const gate = await bootGate();
      await gate.open('server');
      const { runner } = setup({ ...gate.env, FAKE_VAGRANT_TIMELINE: timeline }, { sigintWaitMs: 5_000 });
      const lines: LogLine[] = [];
      runner.onLine((_, line) => lines.push(line));
      const job = await runner.start(dir, 'up');
      await gate.allBooting('agent1', 'agent2', 'agent3');
      const cancelled = await runner.cancel(job.id);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.steps[2]!.machines!.map((m) => m.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      const pids = (await readTimeline(timeline)).filter((e) => e.started === 'up').map((e) => e.pid);
      expect(pids).toHaveLength(4);
      for (const pid of pids) expect(alive(pid)).toBe(false);
      // Each agent's vagrant got its own Ctrl-C and cleaned up.
      expect(
        lines
          .filter((l) => l.text.includes('Waiting for cleanup before exiting'))
          .map((l) => l.text.split(':')[0])
          .sort(),
      ).toEqual(['==> agent1', '==> agent2', '==> agent3']);
    });
  });

  it('names the failing machine and step and keeps its last error lines', async () => {
    const { runner } = setup({ FAKE_VAGRANT_FAIL: 'agent1:provision' });
    const job = await runner.wait((await runner.start(dir, 'up')).id);
    expect(job.status).toBe('failed');
    expect(job.exitCode).toBe(1);
    expect(job.failure?.machine).toBe('agent1');
    expect(job.failure?.message).toMatch(
      /^vagrant up failed on agent1 while "Running provisioner: network \(shell\)" \(exited with 1\)\. agent2 came up\.$/,
    );
    expect(job.failure?.lastLines.join('\n')).toContain("After 30 s the default routes are not the lab's");
    expect(job.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'failed', 'skipped', 'skipped', 'skipped', 'skipped']);
    // The guest's routes are not the lab's: the hint names the lab's network fields.
    expect(job.failure?.hint).toContain('`network.gateway`, `network.dns`, `network.subnet`');
    expect(job.steps[2]!.machines).toEqual([
      { machine: 'agent1', status: 'failed' },
      { machine: 'agent2', status: 'succeeded' },
    ]);
  });

  it('fails Up at the lab check when a node cannot be checked, naming it; the VMs stay up', async () => {
    const guests = JSON.stringify({ agent2: { netns: `cl-no-such-guest-${process.pid}`, resolv: '/dev/null' } });
    const { runner } = setup({ FAKE_VAGRANT_GUESTS: guests });
    const job = await runner.wait((await runner.start(dir, 'up')).id);
    expect(job.status).toBe('failed');
    expect(job.steps.at(-1)).toMatchObject({ id: 'lab-check', status: 'failed' });
    expect(job.failure?.machine).toBe('agent2');
    expect(job.failure?.message).toMatch(/^The lab check failed on agent2: Not checked: vagrant ssh failed/);
    expect(job.failure?.hint).toContain('Run Provision');
  });

  /** The stand-in telepresence's helm calls, in order. */
  const helmCalls = async (record: string) =>
    (await readFile(record, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { args: string[]; kubeconfig: string });
  /** The Helm release the stand-in keeps beside the lab's kubeconfig. */
  const release = async () =>
    JSON.parse(await readFile(path.join(dir, '.fake-cluster', 'traffic-manager.json'), 'utf8')) as {
      namespace: string;
      kind: string;
      revision: number;
      values: Record<string, string>;
    };
  const tpEnv = (more: Record<string, string> = {}) => ({
    FAKE_TELEPRESENCE_RECORD: path.join(home, 'telepresence.jsonl'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    ...more,
  });

  it("installs Telepresence's route controller into the lab with the lab's kubeconfig, then upgrades it keeping its values", async () => {
    const { runner } = setup(tpEnv());
    const early = await runner.wait((await runner.start(dir, 'route-controller')).id);
    expect(early.failure?.hint).toBe('Run Up first: the route controller goes into the running cluster.');
    expect((await runner.wait((await runner.start(dir, 'up')).id)).status).toBe('succeeded');
    const lines: LogLine[] = [];
    runner.onLine((_, line) => lines.push(line));
    const first = await runner.wait((await runner.start(dir, 'route-controller')).id);
    expect(first.status, JSON.stringify(first.failure)).toBe('succeeded');
    expect(lines.map((l) => l.text)).toContain('DaemonSet route-controller: 3/3 pods ready, one per node.');
    const again = await runner.wait((await runner.start(dir, 'route-controller')).id);
    expect(again.status).toBe('succeeded');
    const calls = await helmCalls(path.join(home, 'telepresence.jsonl'));
    // Never the user's own kubeconfig (KUBECONFIG points elsewhere in this test): the lab's.
    expect(calls.map((c) => c.kubeconfig)).toEqual([path.join(dir, 'kubeconfig.yaml'), path.join(dir, 'kubeconfig.yaml')]);
    const set = ['--set', 'routeController.enabled=true', '--set', 'routeController.serviceCIDRs={10.43.0.0/16}'];
    expect(calls.map((c) => c.args)).toEqual([
      ['helm', 'install', '--manager-namespace', 'ambassador', ...set],
      ['helm', 'upgrade', '--manager-namespace', 'ambassador', '--reuse-values', ...set],
    ]);
    expect(await release()).toMatchObject({ namespace: 'ambassador', kind: 'Deployment', revision: 2 });
  }, 60_000);

  it('upgrades a 2.32 traffic manager, a StatefulSet, where asking for deployment/traffic-manager would install over it', async () => {
    const { ctx, runner } = setup(tpEnv({ FAKE_TELEPRESENCE_VERSION: '2.32.1' }));
    expect((await runner.wait((await runner.start(dir, 'up')).id)).status).toBe('succeeded');
    expect((await runner.wait((await runner.start(dir, 'route-controller')).id)).status).toBe('succeeded');
    expect((await release()).kind).toBe('StatefulSet');
    const labEnv = { ...ctx.env, KUBECONFIG: path.join(dir, 'kubeconfig.yaml') };
    const kubectl = (...args: string[]) => runTool(path.join(fakeBin, 'kubectl'), [...args, '-n', 'ambassador', '-o', 'name'], { env: labEnv });
    expect((await kubectl('get', 'deployment', 'traffic-manager')).stderr).toContain('deployments.apps "traffic-manager" not found');
    expect((await kubectl('get', 'statefulset', 'traffic-manager')).stdout.trim()).toBe('statefulset.apps/traffic-manager');
    // What the old detection then ran, refused in Telepresence's words (pkg/client/cli/helm/install.go).
    const install = await runTool(path.join(fakeBin, 'telepresence'), ['helm', 'install', '--manager-namespace', 'ambassador'], {
      env: { ...labEnv, FAKE_TELEPRESENCE_RECORD: '' },
    });
    expect(install.exitCode).toBe(1);
    expect(install.stderr.trim()).toBe(
      `telepresence helm install: error: failed to install traffic manager: traffic-manager version "2.32.1" is already installed, use 'telepresence helm upgrade' instead to replace it`,
    );
    const again = await runner.wait((await runner.start(dir, 'route-controller')).id);
    expect(again.status, JSON.stringify(again.failure)).toBe('succeeded');
    expect((await helmCalls(path.join(home, 'telepresence.jsonl'))).map((c) => c.args[1])).toEqual(['install', 'upgrade']);
    expect((await release()).revision).toBe(2);
  }, 60_000);

  it('keeps the values the user gave the traffic manager before (--reuse-values), which --set alone would drop', async () => {
    const { ctx, runner } = setup(tpEnv());
    expect((await runner.wait((await runner.start(dir, 'up')).id)).status).toBe('succeeded');
    // The user's own install, with a value of their own.
    const telepresence = path.join(fakeBin, 'telepresence');
    const own = await runTool(telepresence, ['helm', 'install', '--set', 'agent.logLevel=debug'], {
      env: { ...ctx.env, KUBECONFIG: path.join(dir, 'kubeconfig.yaml') },
    });
    expect(own.exitCode, own.stderr).toBe(0);
    const job = await runner.wait((await runner.start(dir, 'route-controller')).id);
    expect(job.status, JSON.stringify(job.failure)).toBe('succeeded');
    expect((await release()).values).toEqual({
      'agent.logLevel': 'debug',
      'routeController.enabled': 'true',
      'routeController.serviceCIDRs': '{10.43.0.0/16}',
    });
  }, 60_000);

  it("installs into the namespace the user's Telepresence config names (cluster.defaultManagerNamespace)", async () => {
    const config = path.join(home, '.config', 'telepresence', 'config.yml');
    await mkdir(path.dirname(config), { recursive: true });
    await writeFile(config, 'cluster:\n  defaultManagerNamespace: team-tp\n');
    const { runner } = setup(tpEnv());
    expect((await runner.wait((await runner.start(dir, 'up')).id)).status).toBe('succeeded');
    const lines: LogLine[] = [];
    runner.onLine((_, line) => lines.push(line));
    const job = await runner.wait((await runner.start(dir, 'route-controller')).id);
    expect(job.status, JSON.stringify(job.failure)).toBe('succeeded');
    expect(lines.map((l) => l.text)).toContain('No traffic manager in team-tp yet: installing it with the route controller on.');
    expect((await helmCalls(path.join(home, 'telepresence.jsonl')))[0]!.args.slice(0, 4)).toEqual([
      'helm',
      'install',
      '--manager-namespace',
      'team-tp',
    ]);
    expect((await release()).namespace).toBe('team-tp');
  }, 60_000);

  it('refuses a client older than 2.27 before helm runs: its chart has no route controller', async () => {
    const { runner } = setup(tpEnv({ FAKE_TELEPRESENCE_VERSION: '2.26.1' }));
    expect((await runner.wait((await runner.start(dir, 'up')).id)).status).toBe('succeeded');
    const job = await runner.wait((await runner.start(dir, 'route-controller')).id);
    expect(job.status).toBe('failed');
    expect(job.failure).toMatchObject({
      message: `Telepresence 2.26.1 at ${path.join(fakeBin, 'telepresence')} has no route controller: it arrived in 2.27.0.`,
      hint: expect.stringContaining('Update the client to 2.27 or later'),
    });
    expect(existsSync(path.join(home, 'telepresence.jsonl'))).toBe(false);
  }, 60_000);

  it("says what Vagrant's machine lock means", async () => {
    const { runner } = setup({ FAKE_VAGRANT_LOCKED: 'server' });
    const job = await runner.wait((await runner.start(dir, 'down')).id);
    expect(job.failure?.message).toBe('Vagrant says machine "server" is locked by another process. agent2 and agent1 stopped.');
    expect(job.failure?.hint).toMatch(/Wait for it to finish/);
  });

  it('reports a missing tool before anything starts', async () => {
    const { runner } = setup({}, {}, [path.join(home, 'empty-bin')]);
    await expect(runner.start(dir, 'up')).rejects.toMatchObject({ code: 'tool_missing', hint: expect.stringContaining('developer.hashicorp.com') });
    expect(await readdir(path.join(dir, 'logs'))).toEqual([]);
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  });

  it.each([
    ['up', 'Down'],
    ['up', 'Unknown'],
    ['provision', 'Down'],
  ] as const)('refuses %s before vagrant starts when VirtualBox reports the bridge %s', async (kind, status) => {
    const { runner } = setup(seedBridgeEnv(status));
    await expect(runner.start(dir, kind)).rejects.toMatchObject({
      code: 'conflict',
      // What Vagrant would do instead depends on this machine's own interfaces, which the fake VBoxManage lists too.
      message: expect.stringMatching(
        new RegExp(`^VirtualBox reports the lab's bridge "wlp5s0" as ${status}, and Vagrant skips such interfaces: it would `),
      ),
      hint: expect.stringContaining('pick another interface in the Network step'),
    });
    expect(await readdir(path.join(dir, 'logs'))).toEqual([]);
    expect(await readdir(dir)).not.toContain('.vagrant');
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
    // Down needs no bridge: it runs.
    const down = await runner.wait((await runner.start(dir, 'down')).id);
    expect(down.status).toBe('succeeded');
  });

  it('refuses a second job on the same lab, in this runner and in another one (another process), and takes over a stale lock', async () => {
    const { runner } = setup({ FAKE_VAGRANT_DELAY_MS: '20' });
    const other = setup().runner;
    const first = await runner.start(dir, 'up');
    await expect(runner.start(dir, 'down')).rejects.toMatchObject({ code: 'busy' });
    await expect(other.start(dir, 'down')).rejects.toMatchObject({ code: 'busy', message: expect.stringContaining(`process ${process.pid}`) });
    await runner.cancel(first.id);

    await writeFile(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 7, pidStart: null, hostname: os.hostname(), jobId: 'x', kind: 'up', startedAt: 0 }),
    );
    const after = await other.wait((await other.start(dir, 'status')).id);
    expect(after.status).toBe('succeeded');

    if (process.platform === 'linux') {
      // A live pid that started at another time is a recycled pid, not the holder.
      await writeFile(
        path.join(dir, LOCK_FILE),
        JSON.stringify({ pid: process.pid, pidStart: '1', hostname: os.hostname(), jobId: 'y', kind: 'up', startedAt: 0 }),
      );
      expect((await other.wait((await other.start(dir, 'status')).id)).status).toBe('succeeded');
    }
  });

  it('cancels with Ctrl-C first, and ends the whole process tree', async () => {
    const { runner } = setup({ FAKE_VAGRANT_DELAY_MS: '30', FAKE_VAGRANT_GRANDCHILD: '1' }, { sigtermWaitMs: 500 });
    const seenLines: LogLine[] = [];
    runner.onLine((_, line) => seenLines.push(line));
    const job = await runner.start(dir, 'up');
    while (!seenLines.some((l) => l.text.includes('Booting VM'))) await new Promise((r) => setTimeout(r, 20));
    const grandchild = Number(await readFile(path.join(dir, '.vagrant', 'fake-grandchild.pid'), 'utf8'));
    expect(alive(grandchild)).toBe(true);
    const cancelled = await runner.cancel(job.id);
    expect(cancelled.status).toBe('cancelled');
    expect(seenLines.some((l) => l.text.includes('Waiting for cleanup before exiting'))).toBe(true);
    expect(alive(grandchild)).toBe(false);
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  });

  it('escalates to SIGTERM when Vagrant ignores Ctrl-C', async () => {
    const { runner } = setup({ FAKE_VAGRANT_DELAY_MS: '30', FAKE_VAGRANT_IGNORE_SIGINT: '1' }, { sigintWaitMs: 300 });
    const lines: LogLine[] = [];
    runner.onLine((_, l) => lines.push(l));
    const job = await runner.start(dir, 'up');
    // Cancel once Vagrant is under way (its handlers in place), not after a guess at how long that takes.
    while (!lines.some((l) => l.text.includes('Booting VM'))) await new Promise((r) => setTimeout(r, 20));
    expect((await runner.cancel(job.id)).status).toBe('cancelled');
    expect(lines.some((l) => l.text.includes('sending SIGTERM'))).toBe(true);
  });

  it('keeps every one of 100,000 lines in order: in the file, in the count, and to a line listener; batches stay bounded', async () => {
    const { runner, seen } = setup({ FAKE_VAGRANT_LINES: '100000', FAKE_VAGRANT_DELAY_MS: '0' }, { batchMs: 100 });
    let count = 0;
    let inOrder = true;
    runner.onLine((_, line) => {
      if (line.seq !== count) inOrder = false;
      count++;
    });
    const job = await runner.start(dir, 'up');
    const done = await runner.wait(job.id);
    expect(done.status).toBe('succeeded');
    expect(inOrder).toBe(true);
    expect(done.lineCount).toBe(count);
    const batches = seen['job.log'];
    expect(batches.at(-1)!.total).toBe(count);
    expect(Math.max(...batches.map((b) => b.lines.length))).toBeLessThanOrEqual(LOG_BATCH_MAX_LINES);
    const sent = batches.reduce((n, b) => n + b.omitted + b.lines.length, 0);
    expect(sent).toBe(count);
    const poured = (await readFile(done.logFile, 'utf8')).split('\n').filter((l) => l.includes('mirrored-pause:3.6 layer'));
    expect(poured).toHaveLength(100_000);
    expect(poured.every((l, i) => l.includes(`layer ${String(i).padStart(7, '0')} `))).toBe(true);
  });
});

describe('vagrant status --machine-readable', () => {
  it('reads the real vagrant and the fake the same way on a rendered lab', async () => {
    // A PATH with the stub VBoxManage but the real vagrant: only the status query runs, which creates nothing.
    const stubs = path.join(home, 'stubs');
    await mkdir(stubs);
    await symlink(path.join(fakeBin, 'VBoxManage'), path.join(stubs, 'VBoxManage'));
    const realPath = [stubs, ...(process.env.PATH ?? '').split(path.delimiter).filter((p) => path.resolve(p) !== fakeBin)].join(path.delimiter);
    const realVagrant = (await findExecutable('vagrant', { env: { PATH: realPath }, platform: process.platform }))!;
    expect(realVagrant).toMatch(/vagrant$/);
    expect(realVagrant).not.toContain('fixtures');
    const env = { ...process.env, PATH: realPath, HOME: home, VAGRANT_HOME: path.join(home, '.vagrant.d') };
    const real = await vagrantStatus(realVagrant, dir, { env, platform: process.platform });
    const fake = await vagrantStatus(path.join(fakeBin, 'vagrant'), dir, {
      env: { ...env, PATH: `${fakeBin}${path.delimiter}${realPath}` },
      platform: process.platform,
    });
    const shape = (states: typeof real) => states.map((s) => [s.name, s.state, s.short, s.provider]);
    expect(shape(real)).toEqual([
      ['server', 'not_created', 'not created', 'virtualbox'],
      ['agent1', 'not_created', 'not created', 'virtualbox'],
      ['agent2', 'not_created', 'not created', 'virtualbox'],
    ]);
    expect(shape(fake)).toEqual(shape(real));
    expect(machineStates(parseMachineReadable('')).length).toBe(0);
  }, 60_000);
});

describe("Up's k3s step: the pinned release fetched once and placed in shared/", () => {
  const release = standInRelease();
  let requests: string[] = [];
  /** When set, the binary's body stops half-way and stays open (a download to cancel). */
  let stall = false;
  const serve = serveRelease(release);
  const served = loopbackServer((req, res) => {
    requests.push(req.url!);
    if (stall && req.url!.endsWith('/k3s')) {
      const binary = release.files.get('k3s')!;
      res.writeHead(200, { 'content-length': binary.length * 64 });
      res.write(Buffer.concat(Array.from({ length: 32 }, () => binary)));
      return;
    }
    serve(req, res);
  });
  beforeEach(() => {
    requests = [];
    stall = false;
  });
  const cacheOf = (version: string) => path.join(home, '.cache', 'cluster-lab', 'k3s', version);
  const placedOf = (version: string) => path.join(dir, 'shared', 'k3s', version);

  it('downloads each file once, places copies of them, checked, and a second Up downloads nothing', async () => {
    const { runner } = setup(standInSources(served.base));
    const lines: LogLine[] = [];
    runner.onLine((_, line) => lines.push(line));
    const first = await runner.wait((await runner.start(dir, 'up')).id);
    expect(first.status, JSON.stringify(first.failure)).toBe('succeeded');
    // The download is over: the step carries no progress any more.
    expect(first.steps[0]!.transfer).toBeUndefined();
    expect(requests.sort()).toEqual(
      [
        '/install.sh',
        ...['k3s', 'k3s-airgap-images-amd64.tar.zst', 'sha256sum-amd64.txt'].map((f) => `/releases/${encodeURIComponent(release.version)}/${f}`),
      ].sort(),
    );
    for (const [name, data] of release.files) {
      expect(await readFile(path.join(placedOf(release.version), name))).toEqual(data);
      // A copy, never the cache's own file: what a guest writes in its share stays in its lab.
      expect((await stat(path.join(placedOf(release.version), name))).ino).not.toBe((await stat(path.join(cacheOf(release.version), name))).ino);
    }
    expect(lines.map((l) => l.text)).toContainEqual(expect.stringMatching(/^k3s: 28 B of 28 B, .*\/s$/));
    expect(lines.map((l) => l.text)).toContainEqual(
      expect.stringMatching(/^Placed sha256sum-amd64\.txt, k3s, k3s-airgap-images-amd64\.tar\.zst, install\.sh in .*, copied from the cache/),
    );

    requests = [];
    // A guest swapped a file in its share: the next Up puts the release's back (a rename, the cache untouched).
    await rm(path.join(placedOf(release.version), 'k3s'));
    await writeFile(path.join(placedOf(release.version), 'k3s'), 'swapped');
    const second = await runner.wait((await runner.start(dir, 'up')).id);
    expect(second.status).toBe('succeeded');
    expect(requests).toEqual([]);
    expect(await readFile(path.join(placedOf(release.version), 'k3s'))).toEqual(release.files.get('k3s'));
    expect(await readdir(placedOf(release.version))).toHaveLength(4);
  }, 90_000);

  it('cancel aborts the download before any VM starts and leaves the .part for the next fetch to resume', async () => {
    stall = true;
    const { runner, seen } = setup(standInSources(served.base));
    const progressed = new Promise<void>((resolve) => runner.onLine((_, line) => line.text.startsWith('k3s: ') && resolve()));
    const job = await runner.start(dir, 'up');
    await progressed;
    // The step list hears of the stalled download too: where it stopped, of how much.
    const stalledAt = { file: 'k3s', bytes: 32 * 28, total: 64 * 28 };
    while (!seen['job.update'].some((update) => update.steps[0]!.transfer?.bytes === stalledAt.bytes)) await new Promise((r) => setTimeout(r, 20));
    expect(seen['job.update'].at(-1)!.steps[0]!.transfer).toMatchObject(stalledAt);
    // No bytes for a few seconds: no speed and no time left are claimed any more.
    await vi.waitFor(() => expect(seen['job.update'].at(-1)!.steps[0]!.transfer).toMatchObject({ ...stalledAt, rate: 0, etaSeconds: null }), {
      timeout: 10_000,
    });
    const cancelled = await runner.cancel(job.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.steps[0]!.transfer).toBeUndefined();
    expect(cancelled.steps.map((s) => s.status)).toEqual(['cancelled', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect((await readdir(cacheOf(release.version))).filter((n) => n.startsWith('k3s'))).toEqual(['k3s.part']);
    expect(existsSync(path.join(dir, '.vagrant'))).toBe(false);
  });

  it('refuses a shared/k3s that is a link, without following it', async () => {
    const elsewhere = path.join(home, 'elsewhere');
    await mkdir(elsewhere);
    await mkdir(path.join(dir, 'shared'), { recursive: true });
    await symlink(elsewhere, path.join(dir, 'shared', 'k3s'));
    const { runner } = setup(standInSources(served.base));
    const job = await runner.wait((await runner.start(dir, 'up')).id);
    expect(job.status).toBe('failed');
    expect(job.failure).toMatchObject({ step: 'Fetch k3s once, place in shared/' });
    expect(job.failure!.message).toBe(
      `${path.join(dir, 'shared', 'k3s')} is a symbolic link, not a folder; Cluster Lab does not follow it to place k3s there.`,
    );
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('Provision places the release too (a lab pinned anew since its Up installs the new one): a shared/k3s gone is put back', async () => {
    const { runner } = setup(standInSources(served.base));
    expect((await runner.wait((await runner.start(dir, 'up')).id)).status).toBe('succeeded');
    await rm(path.join(dir, 'shared', 'k3s'), { recursive: true });
    const provision = await runner.wait((await runner.start(dir, 'provision')).id);
    expect(provision.steps.map((s) => [s.id, s.status])).toEqual([
      ['k3s-release', 'succeeded'],
      ['vagrant-provision-server', 'succeeded'],
      ['vagrant-provision-agents', 'succeeded'],
    ]);
    expect((await readdir(placedOf(release.version))).sort()).toEqual([...release.files.keys()].sort());
  }, 90_000);

  it('fails before any VM starts when lab.json has a channel with no release', async () => {
    await writeLab(dir, { ...seedLab(), k3s: { source: 'channel', value: 'stable' } });
    const { runner } = setup(standInSources(served.base));
    const job = await runner.wait((await runner.start(dir, 'up')).id);
    expect(job.failure!.message).toBe("lab.json follows the k3s channel 'stable' but names no release to install.");
    expect(requests).toEqual([]);
  });
});
