import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { k3sYaml } from '../../fixtures/k3s';
import { fakeToolsContext } from '../../fixtures/env';
import { seedLab } from '../../shared/render/testing';
import { K3S_KUBECONFIG, writeLabKubeconfig } from '../services/kubectl';
import { writeLab } from '../services/labFolder';
import { runTool } from '../services/process';
import { runCli } from './runCli';
import { jsonOut } from './jsonShapes.testing';

let home: string;
let dir: string;
const context = (extra: Record<string, string> = {}) => fakeToolsContext(home, extra);

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
    const json = jsonOut('kubeconfig', (await runCli(['kubeconfig', '--dir', dir, '--json'], context())).out);
    expect(json).toEqual({
      schemaVersion: 1,
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
    expect(jsonOut('kubeconfig', merged.out)).toMatchObject({
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

describe('what a VM or a lab folder hands the host never runs there (issue 21)', () => {
  /** An exec credential plugin that would leave a marker file on the host. */
  const plugin = (marker: string) => ({
    apiVersion: 'client.authentication.k8s.io/v1',
    command: process.execPath,
    args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`],
  });
  const fakeKubectl = path.resolve(import.meta.dirname, '../../fixtures/bin/kubectl');

  it('Up refuses a k3s.yaml with an exec plugin before any kubectl runs, naming the file and the field', async () => {
    const marker = path.join(home, 'plugin-ran');
    const up = await runCli(['up', '--dir', dir], context({ FAKE_VAGRANT_K3S_TAMPER: JSON.stringify({ user: { exec: plugin(marker) } }) }));
    expect(up.code).toBe(1);
    expect(up.err).toContain(`${path.join(dir, 'shared', 'k3s.yaml')}: users[0].user.exec is not allowed`);
    expect(existsSync(path.join(dir, 'kubeconfig.yaml'))).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('kubeconfig --merge refuses a lab kubeconfig with an exec plugin, so kubectl never meets it in yours', async () => {
    const marker = path.join(home, 'plugin-ran');
    await mkdir(path.join(dir, 'shared'), { recursive: true });
    await writeFile(path.join(dir, K3S_KUBECONFIG), k3sYaml);
    await writeLabKubeconfig(dir, seedLab());
    // A lab folder from someone else: its kubeconfig.yaml was edited after Up.
    const file = path.join(dir, 'kubeconfig.yaml');
    const hostile = YAML.parse(await readFile(file, 'utf8'));
    hostile.users[0].user.exec = plugin(marker);
    await writeFile(file, YAML.stringify(hostile));
    const merged = await runCli(['kubeconfig', '--dir', dir, '--merge', '--set-current'], context());
    expect(merged.code).toBe(1);
    expect(merged.err).toContain(`${file}: users[0].user.exec is not allowed`);
    // Nor is its export line offered.
    const shown = await runCli(['kubeconfig', '--dir', dir], context());
    expect(shown).toMatchObject({ code: 1, out: '' });
    expect(shown.err).toContain(`${file}: users[0].user.exec is not allowed`);
    // What kubectl would do next with your kubeconfig: the stand-in runs a plugin as client-go does.
    await runTool(fakeKubectl, ['--kubeconfig', path.join(home, 'kube'), '--context', 'cluster-lab', 'get', 'nodes'], {
      env: { PATH: process.env.PATH },
    });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path.join(home, 'kube'))).toBe(false);
  });
});

describe('cluster-lab kubeconfig --merge and --remove', () => {
  const upDone = async (lab = seedLab()) => {
    // The folder may hold the seed lab already: this is another lab in its place, on purpose.
    await writeLab(dir, lab, { force: true });
    await mkdir(path.join(dir, 'shared'), { recursive: true });
    await writeFile(path.join(dir, K3S_KUBECONFIG), k3sYaml);
    await writeLabKubeconfig(dir, lab);
  };

  it('refuses to replace your own "prod" with a lab named prod, and merges it under --context', async () => {
    await upDone({ ...seedLab(), name: 'prod' });
    const yours =
      'apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://prod.example:6443\ncontexts:\n- name: prod\n  context:\n    cluster: prod\n    user: prod\ncurrent-context: prod\nusers:\n- name: prod\n  user:\n    token: the-real-one\n';
    await writeFile(path.join(home, 'kube'), yours);
    const refused = await runCli(['kubeconfig', '--dir', dir, '--merge', '--set-current'], context());
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('already has a cluster, a user and a context named "prod" that Cluster Lab did not write for this lab');
    expect(refused.err).toContain('--context NAME');
    expect(await readFile(path.join(home, 'kube'), 'utf8')).toBe(yours);
    const renamed = await runCli(['kubeconfig', '--dir', dir, '--merge', '--context', 'prod-lab'], context());
    expect(renamed.code, renamed.err).toBe(0);
    expect(renamed.out).toContain(`Merged context "prod-lab" into ${path.join(home, 'kube')}`);
    expect(renamed.out).toContain(
      'current context: prod\n  to reach this lab: `kubectl --context prod-lab get nodes`, or `kubectl config use-context prod-lab`',
    );
  });

  it('makes the lab the current context of an empty kubeconfig, writes nothing the second time, and removes only its own entries', async () => {
    await upDone();
    const first = await runCli(['kubeconfig', '--dir', dir, '--merge'], context());
    expect(first.code, first.err).toBe(0);
    expect(first.out).toBe(
      `Merged context "cluster-lab" into ${path.join(home, 'kube')}\n  current context: cluster-lab\n  kubectl now talks to this lab: try \`kubectl get nodes\`\n`,
    );
    const second = await runCli(['kubeconfig', '--dir', dir, '--merge'], context());
    expect(second.out).toContain(`Context "cluster-lab" is in ${path.join(home, 'kube')} already, as Cluster Lab wrote it: nothing changed.`);
    expect((await readdir(home)).filter((f) => f.endsWith('.bak'))).toEqual([]);
    const removed = await runCli(['kubeconfig', '--dir', dir, '--remove'], context());
    expect(removed.code, removed.err).toBe(0);
    expect(removed.out).toMatch(
      /^Removed context "cluster-lab", cluster "cluster-lab", user "cluster-lab"\n {2}from .*kube \(previous version kept as .*\.bak\)\n {2}current context: \(none\)/,
    );
    expect(YAML.parse(await readFile(path.join(home, 'kube'), 'utf8'))).toMatchObject({ clusters: [], users: [], contexts: [] });
    const again = await runCli(['kubeconfig', '--dir', dir, '--remove', '--json'], context());
    expect(jsonOut('kubeconfig', again.out)).toEqual({
      schemaVersion: 1,
      removed: { clusters: [], users: [], contexts: [] },
      currentContext: null,
      files: [],
    });
  });

  it('takes --context and --set-current only with --merge, one of --merge and --remove, and a name kubectl can use', async () => {
    for (const argv of [
      ['--context', 'x'],
      ['--merge', '--remove'],
      ['--merge', '--context', 'no spaces'],
    ]) {
      const result = await runCli(['kubeconfig', '--dir', dir, ...argv], context());
      expect(result.code, argv.join(' ')).toBe(2);
    }
  });
});

describe('one path rule for every command', () => {
  it('takes a relative --dir from the working directory in kubeconfig, status and doctor alike', async () => {
    // The working directory as the CLI reads it (process.cwd); chdir is not allowed in worker threads.
    vi.spyOn(process, 'cwd').mockReturnValue(home);
    const kubeconfig = await runCli(['kubeconfig', '--dir', 'lab', '--json'], context());
    expect(jsonOut('kubeconfig', kubeconfig.out).path).toBe(path.join(dir, 'kubeconfig.yaml'));
    const status = await runCli(['status', '--dir', 'lab', '--json'], context());
    expect(status.code, status.err).toBe(0);
    expect(jsonOut('status', status.out)).toMatchObject({ dir, checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    // doctor reads the lab: its bridge is judged (a doctor without a lab has no such check).
    const doctor = jsonOut<{ checks: { id: string; status: string }[] }>(
      'doctor',
      (await runCli(['doctor', '--dir', './lab', '--json'], context())).out,
    );
    expect(doctor.checks.find((c) => c.id === 'bridge')).toMatchObject({ status: 'ok' });
    const missing = await runCli(['status', '--dir', 'nowhere'], context());
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(path.join(home, 'nowhere'));
  });
});
