import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { k3sYaml } from '../../fixtures/k3s';
import { fakeToolsContext } from '../../fixtures/env';
import { seedLab } from '../../shared/render/testing';
import { K3S_KUBECONFIG, writeLabKubeconfig } from '../services/kubectl';
import { writeLab } from '../services/labFolder';
import { runCli } from './runCli';

let home: string;
let dir: string;
const context = () => fakeToolsContext(home);

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-cli-kubeconfig-'));
  dir = path.join(home, 'lab');
  await writeLab(dir, seedLab());
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(home, { recursive: true, force: true });
});

describe('cluster-lab kubeconfig', () => {
  it('says the lab has no kubeconfig before Up (exit 1), then prints it and the export line', async () => {
    const before = await runCli(['kubeconfig', '--dir', dir], context());
    expect(before).toMatchObject({ code: 1, out: '' });
    expect(before.err).toContain(`lab "cluster-lab" has no kubeconfig yet (${path.join(dir, 'kubeconfig.yaml')})`);
    await mkdir(path.join(dir, 'shared'), { recursive: true });
    await writeFile(path.join(dir, K3S_KUBECONFIG), k3sYaml);
    await writeLabKubeconfig(dir, seedLab());
    const after = await runCli(['kubeconfig', '--dir', dir], context());
    expect(after).toMatchObject({ code: 0, out: `${path.join(dir, 'kubeconfig.yaml')}\n  export KUBECONFIG=${path.join(dir, 'kubeconfig.yaml')}\n` });
    const json = JSON.parse((await runCli(['kubeconfig', '--dir', dir, '--json'], context())).out);
    expect(json).toEqual({
      path: path.join(dir, 'kubeconfig.yaml'),
      exists: true,
      context: 'cluster-lab',
      export: `export KUBECONFIG=${path.join(dir, 'kubeconfig.yaml')}`,
    });
  });

  it('merges into the kubeconfig kubectl uses and sets the current context; --set-current alone is bad input', async () => {
    await mkdir(path.join(dir, 'shared'), { recursive: true });
    await writeFile(path.join(dir, K3S_KUBECONFIG), k3sYaml);
    await writeLabKubeconfig(dir, seedLab());
    const merged = await runCli(['kubeconfig', '--dir', dir, '--merge', '--set-current', '--json'], context());
    expect(merged.code, merged.err).toBe(0);
    expect(JSON.parse(merged.out)).toMatchObject({
      path: path.join(home, 'kube'),
      context: 'cluster-lab',
      currentContext: 'cluster-lab',
      backupPath: null,
    });
    expect(await readFile(path.join(home, 'kube'), 'utf8')).toContain('server: https://192.168.1.110:6443');
    const alone = await runCli(['kubeconfig', '--dir', dir, '--set-current'], context());
    expect(alone.code).toBe(2);
    expect(alone.err).toContain('--set-current goes with --merge');
  });
});

describe('one path rule for every command', () => {
  it('takes a relative --dir from the working directory in kubeconfig, status and doctor alike', async () => {
    // The working directory as the CLI reads it (process.cwd); chdir is not allowed in worker threads.
    vi.spyOn(process, 'cwd').mockReturnValue(home);
    const kubeconfig = await runCli(['kubeconfig', '--dir', 'lab', '--json'], context());
    expect(JSON.parse(kubeconfig.out).path).toBe(path.join(dir, 'kubeconfig.yaml'));
    const status = await runCli(['status', '--dir', 'lab', '--json'], context());
    expect(status.code, status.err).toBe(0);
    expect(JSON.parse(status.out).dir).toBe(dir);
    // doctor reads the lab: its bridge is judged (a doctor without a lab has no such check).
    const doctor = JSON.parse((await runCli(['doctor', '--dir', './lab', '--json'], context())).out) as { checks: { id: string; status: string }[] };
    expect(doctor.checks.find((c) => c.id === 'bridge')).toMatchObject({ status: 'ok' });
    const missing = await runCli(['status', '--dir', 'nowhere'], context());
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(path.join(home, 'nowhere'));
  });
});
