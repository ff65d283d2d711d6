import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeToolsContext } from '../../fixtures/env';
import { seedLab } from '../../shared/render/testing';
import { writeLab } from '../services/labFolder';
import { main } from './index';
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
