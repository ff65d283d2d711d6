import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeToolsContext } from '../../fixtures/env';
import { seedLab } from '../../shared/render/testing';
import { writeLab } from '../services/labFolder';
import { main } from './index';
import { jsonLines, jsonOut } from './jsonShapes.testing';
import { runCli } from './runCli';

let home: string;
let dir: string;
const env = (extra: Record<string, string> = {}) => fakeToolsContext(home, extra);

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-cli-jobs-'));
  dir = path.join(home, 'lab');
  await writeLab(dir, seedLab());
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('cluster-lab up, status, down, destroy', () => {
  it('streams the log to stdout and exits 0; status shows the nodes; destroy refuses without a terminal or --yes', async () => {
    const up = await runCli(['up', '--dir', dir], env());
    expect(up.code, up.err).toBe(0);
    expect(up.out).toContain('==> server: Booting VM...');
    expect(up.out).toContain('[cluster-lab] 3/3 nodes Ready.');
    expect(up.out).toMatch(/up succeeded\. Log: .*\/logs\/.*-up-.*\.log/);

    const status = await runCli(['status', '--dir', dir], env());
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/server\s+multi\s+192\.168\.1\.110\s+running\s+Ready/);
    expect(status.out).toContain(`export KUBECONFIG=${path.join(dir, 'kubeconfig.yaml')}`);

    const destroy = await runCli(['destroy', '--dir', dir], env());
    expect(destroy.code).toBe(2);
    expect(destroy.err).toContain('Pass --yes');
    const destroyed = await runCli(['destroy', '--dir', dir, '--yes'], env());
    expect(destroyed.code, destroyed.err).toBe(0);
    expect(destroyed.out).toContain('==> agent2: Destroying VM and associated drives...');
  });

  it('brings the agents up one after another with --sequential, which only up and provision take', async () => {
    const up = await runCli(['up', '--dir', dir, '--sequential'], env());
    expect(up.code, up.err).toBe(0);
    expect(up.out).toContain('[cluster-lab] Step: vagrant up the agents, one after another');
    expect(up.out.indexOf('==> agent1: Machine booted and ready!')).toBeLessThan(up.out.indexOf("Bringing machine 'agent2' up"));
    const down = await runCli(['down', '--dir', dir, '--sequential'], env());
    expect(down.code).toBe(2);
    expect(down.err).toContain('--sequential is for up and provision');
  });

  it('telepresence --route-controller runs the route-controller job on the lab and streams it', async () => {
    expect((await runCli(['up', '--dir', dir], env())).code).toBe(0);
    const installed = await runCli(['telepresence', '--route-controller', '--dir', dir], env());
    expect(installed.code, installed.err).toBe(0);
    expect(installed.out).toContain('Traffic Manager installed successfully');
    expect(installed.out).toContain('[cluster-lab] DaemonSet route-controller: 3/3 pods ready, one per node.');
    expect((await runCli(['telepresence', '--route-controller'], env())).code).toBe(2);
  });

  it('exits 1 naming the failing machine, and 2 without --dir', async () => {
    const failed = await runCli(['up', '--dir', dir], env({ FAKE_VAGRANT_FAIL: 'agent2:boot' }));
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('vagrant up failed on agent2');
    expect(failed.err).toContain('Timed out while waiting for the machine to boot');
    expect((await runCli(['down'], env())).code).toBe(2);
  });

  it('cancels the job cleanly on Ctrl-C, and exits 130 (128 + SIGINT) once Vagrant has cleaned up', async () => {
    let interrupt: ((signal: NodeJS.Signals) => void) | null = null;
    let out = '';
    let err = '';
    const io = {
      out: (text: string) => {
        out += text;
        if (text.includes('Booting VM')) interrupt?.('SIGINT');
      },
      err: (text: string) => void (err += text),
      onInterrupt: (handler: (signal: NodeJS.Signals) => void) => {
        interrupt = handler;
        return () => (interrupt = null);
      },
    };
    const code = await main(['up', '--dir', dir], io, env({ FAKE_VAGRANT_DELAY_MS: '20' }));
    expect(code).toBe(130);
    expect(out).toContain('Waiting for cleanup before exiting');
    expect(err).toContain('cluster-lab up: cancelled.');
  });
});

// Up on the stand-in takes seconds alone and half a minute on a loaded machine.
describe('--json progress of a job', { timeout: 90_000 }, () => {
  type Event = Record<string, unknown> & { type: string };

  it('up --json: one object a line, each held to the schema: the job, every step, each machine, the log, the status, the result', async () => {
    const up = await runCli(['up', '--dir', dir, '--json'], env());
    expect(up.code, up.err).toBe(0);
    const events = jsonLines(up.out) as Event[];
    const of = (type: string) => events.filter((e) => e.type === type);
    expect(events[0]).toMatchObject({ type: 'job', kind: 'up', dir, startedAt: expect.stringMatching(/Z$/) });
    expect(events.at(-1)).toMatchObject({ type: 'result', kind: 'up', status: 'succeeded', exitCode: 0, signal: null, failure: null });
    expect(of('result')).toHaveLength(1);
    // Every step is announced once pending (the plan), then each change; none ends running.
    const steps = new Map<unknown, unknown[]>();
    for (const e of of('step')) steps.set(e.step, [...(steps.get(e.step) ?? []), e.status]);
    expect(steps.size).toBeGreaterThan(2);
    for (const [step, statuses] of steps) expect([step, statuses.at(-1)]).toEqual([step, expect.stringMatching(/^(succeeded|skipped)$/)]);
    expect(of('machine')).toContainEqual(expect.objectContaining({ machine: 'agent2', status: 'running' }));
    expect(of('machine')).toContainEqual(expect.objectContaining({ machine: 'agent2', status: 'succeeded' }));
    expect(of('log')).toContainEqual(expect.objectContaining({ stream: 'stdout', machine: 'server', text: '==> server: Booting VM...' }));
    expect(of('log')).toContainEqual(expect.objectContaining({ stream: 'app', text: '3/3 nodes Ready.' }));
    const seqs = of('log').map((e) => e.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(of('status').at(-1)).toMatchObject({
      lab: { nodes: expect.arrayContaining([expect.objectContaining({ machine: 'server', vagrantState: 'running' })]) },
    });

    const status = await runCli(['status', '--dir', dir, '--json'], env());
    expect(jsonOut('status', status.out)).toMatchObject({
      checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      error: null,
    });
  });

  it('Ctrl-C under --json: the cancelled steps, then a result naming the signal, exit 130', async () => {
    let interrupt: ((signal: NodeJS.Signals) => void) | null = null;
    let out = '';
    const io = {
      out: (text: string) => {
        out += text;
        if (text.includes('Booting VM')) interrupt?.('SIGINT');
      },
      err: () => {},
      onInterrupt: (handler: (signal: NodeJS.Signals) => void) => {
        interrupt = handler;
        return () => (interrupt = null);
      },
    };
    expect(await main(['up', '--dir', dir, '--json'], io, env({ FAKE_VAGRANT_DELAY_MS: '20' }))).toBe(130);
    const events = jsonLines(out) as Event[];
    expect(events.filter((e) => e.type === 'step' && e.status === 'cancelled')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'result', status: 'cancelled', exitCode: 130, signal: 'SIGINT', failure: null });
  });

  it('a failed job ends with a failed result (exit 1); bad input and a refused destroy end as one error object (exit 2)', async () => {
    const failed = await runCli(['up', '--dir', dir, '--json'], env({ FAKE_VAGRANT_FAIL: 'agent2:boot' }));
    expect(failed.code).toBe(1);
    const result = (jsonLines(failed.out) as Event[]).at(-1);
    expect(result).toMatchObject({
      type: 'result',
      status: 'failed',
      exitCode: 1,
      failure: { machine: 'agent2', message: expect.stringContaining('vagrant up failed on agent2'), lastLines: expect.any(Array) },
    });

    const sequential = await runCli(['down', '--dir', dir, '--sequential', '--json'], env());
    expect(sequential).toMatchObject({ code: 2, err: '' });
    expect(jsonOut('error', sequential.out)).toMatchObject({ error: { code: 'invalid_input', field: '--sequential' } });
    const noDir = await runCli(['down', '--json'], env());
    expect(jsonOut('error', noDir.out)).toMatchObject({ error: { field: '--dir', message: expect.stringContaining('--dir is required') } });
    const destroy = await runCli(['destroy', '--dir', dir, '--json'], env());
    expect(destroy.code).toBe(2);
    expect(jsonOut('error', destroy.out)).toMatchObject({
      error: { code: 'invalid_input', field: '--yes', hint: expect.stringContaining('Pass --yes') },
    });
    // Not bad input: a lab folder that is not there is a failure, exit 1, still one object on stdout.
    const missing = await runCli(['status', '--dir', path.join(home, 'nowhere'), '--json'], env());
    expect(missing).toMatchObject({ code: 1, err: '' });
    expect(jsonOut('error', missing.out).error).toMatchObject({ code: expect.not.stringMatching(/^invalid_input$/) });
  });
});
