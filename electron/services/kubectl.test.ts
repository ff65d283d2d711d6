import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { k3sYaml } from '../../fixtures/k3s';
import { seedLab } from '../../shared/render/testing';
import { kubeHomeDir, mergeIntoUserKubeconfig, parseNodes, rewriteKubeconfig, userKubeconfigPath, writeLabKubeconfig } from './kubectl';
import { runTool } from './process';

const theirs = `apiVersion: v1
kind: Config
clusters:
# the cluster at work: keep this comment
- name: work
  cluster:
    server: https://127.0.0.1:16443
users:
- name: work-admin
  user:
    token: abc
contexts:
- name: work
  context:
    cluster: work
    user: work-admin
current-context: work
`;

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-kube-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** The real kubectl, reading config only: it never contacts a server for these. */
const kubectl = (args: string[]) => runTool('kubectl', args, { env: { PATH: process.env.PATH, HOME: home }, timeoutMs: 20_000 });

describe('the lab kubeconfig', () => {
  it('points at the server over the LAN under the lab name, and the real kubectl reads it', async () => {
    const lab = seedLab();
    const dir = path.join(home, 'lab');
    await mkdir(path.join(dir, 'shared'), { recursive: true });
    await writeFile(path.join(dir, 'shared', 'k3s.yaml'), k3sYaml);
    const file = await writeLabKubeconfig(dir, lab);
    expect(file).toBe(path.join(dir, 'kubeconfig.yaml'));
    const view = await kubectl(['config', 'view', '--kubeconfig', file, '-o', 'json']);
    expect(view.exitCode, view.stderr).toBe(0);
    const json = JSON.parse(view.stdout);
    expect(json.clusters).toEqual([
      { name: 'cluster-lab', cluster: { server: 'https://192.168.1.110:6443', 'certificate-authority-data': 'DATA+OMITTED' } },
    ]);
    expect(json['current-context']).toBe('cluster-lab');
    const contexts = await kubectl(['config', 'get-contexts', '--kubeconfig', file, '-o', 'name']);
    expect(contexts.stdout.trim()).toBe('cluster-lab');
  });

  it('says what to do when the server left no kubeconfig, and refuses one that is not a kubeconfig', async () => {
    await expect(writeLabKubeconfig(home, seedLab())).rejects.toMatchObject({ code: 'failed', hint: expect.stringContaining('Provision') });
    expect(() => rewriteKubeconfig('clusters: [1, 2', seedLab())).toThrow(/not a kubeconfig/);
  });

  it('reads node readiness from kubectl get nodes -o json', () => {
    const json = JSON.stringify({
      items: [
        {
          metadata: { name: 'multi' },
          status: {
            conditions: [{ type: 'Ready', status: 'True' }],
            addresses: [
              { type: 'InternalIP', address: '192.168.1.110' },
              { type: 'Hostname', address: 'multi' },
            ],
          },
        },
        { metadata: { name: 'agent1' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
      ],
    });
    expect(parseNodes(json)).toEqual([
      { name: 'multi', ready: true, internalIp: '192.168.1.110' },
      { name: 'agent1', ready: false, internalIp: null },
    ]);
  });
});

describe('merging into the user kubeconfig', () => {
  const labFile = async () => {
    const file = path.join(home, 'lab-kubeconfig.yaml');
    await writeFile(file, rewriteKubeconfig(k3sYaml, seedLab()));
    return file;
  };
  const ctx = (env: NodeJS.ProcessEnv) => ({ env, platform: 'linux' as const, homeDir: home });

  it('adds only the lab context, keeps the others and the current context, and backs up first', async () => {
    const target = path.join(home, 'first', 'config');
    await mkdir(path.dirname(target));
    await writeFile(target, theirs);
    const env = { KUBECONFIG: `${target}:${path.join(home, 'second')}` };
    expect(userKubeconfigPath(ctx(env), existsSync)).toBe(target);
    const result = await mergeIntoUserKubeconfig(ctx(env), await labFile(), { setCurrent: false });
    expect(result).toMatchObject({ path: target, context: 'cluster-lab', currentContext: 'work' });
    expect(await readFile(result.backupPath!, 'utf8')).toBe(theirs);
    const names = await kubectl(['config', 'get-contexts', '--kubeconfig', target, '-o', 'name']);
    expect(names.stdout.trim().split('\n').sort()).toEqual(['cluster-lab', 'work']);
    const current = await kubectl(['config', 'current-context', '--kubeconfig', target]);
    expect(current.stdout.trim()).toBe('work');
    expect(YAML.parse(await readFile(target, 'utf8')).users.map((u: { name: string }) => u.name)).toEqual(['work-admin', 'cluster-lab']);

    // The user's own lines, comments included, are still there as they wrote them.
    const after = (await readFile(target, 'utf8')).split('\n');
    for (const line of theirs.split('\n').filter((l) => l.trim())) expect(after).toContain(line);

    const again = await mergeIntoUserKubeconfig(ctx(env), await labFile(), { setCurrent: true });
    expect(again.currentContext).toBe('cluster-lab');
    expect(YAML.parse(await readFile(target, 'utf8')).contexts).toHaveLength(2);
  });

  it('creates ~/.kube/config when there is none, and refuses a file it cannot parse', async () => {
    const created = await mergeIntoUserKubeconfig(ctx({}), await labFile(), { setCurrent: false });
    expect(created).toMatchObject({ path: path.join(home, '.kube', 'config'), backupPath: null, currentContext: null });
    const broken = path.join(home, 'broken');
    await writeFile(broken, 'clusters: [oops\n');
    await expect(mergeIntoUserKubeconfig(ctx({ KUBECONFIG: broken }), await labFile(), { setCurrent: false })).rejects.toMatchObject({
      code: 'conflict',
      hint: expect.stringContaining('Nothing was changed'),
    });
    expect(await readFile(broken, 'utf8')).toBe('clusters: [oops\n');
    expect((await readdir(home)).filter((f) => f.startsWith('broken'))).toEqual(['broken']);
  });

  it('picks the file the real kubectl writes a new context into, for every shape of KUBECONFIG', async () => {
    const file = (name: string) => path.join(home, 'pick', name);
    await mkdir(path.join(home, 'pick'));
    const cases: { entries: string[]; existing: string[] }[] = [
      { entries: ['a'], existing: [] },
      { entries: ['a', 'b'], existing: [] },
      { entries: ['a', 'b', 'c'], existing: ['b'] },
      { entries: ['a', 'b', 'a'], existing: ['a', 'b'] },
    ];
    for (const { entries, existing } of cases) {
      await rm(path.join(home, 'pick'), { recursive: true, force: true });
      await mkdir(path.join(home, 'pick'));
      for (const name of existing) await writeFile(file(name), 'apiVersion: v1\nkind: Config\n');
      const env = { KUBECONFIG: entries.map(file).join(':') };
      const ours = userKubeconfigPath(ctx(env), existsSync);
      const set = await runTool('kubectl', ['config', 'set-context', 'probe', '--cluster=probe'], {
        env: { ...env, PATH: process.env.PATH, HOME: home },
      });
      expect(set.exitCode, set.stderr).toBe(0);
      const written = [];
      for (const name of new Set(entries)) if ((await readFile(file(name), 'utf8').catch(() => '')).includes('probe')) written.push(file(name));
      expect(written, `KUBECONFIG=${entries.join(':')} with ${existing.join(',') || 'none'} existing`).toEqual([ours]);
    }
  });

  it('writes through a symlinked kubeconfig, makes a new one readable by its owner only, and leaves no lock', async () => {
    const real = path.join(home, 'dotfiles', 'kubeconfig');
    await mkdir(path.dirname(real));
    await writeFile(real, theirs);
    await mkdir(path.join(home, '.kube'));
    await symlink(real, path.join(home, '.kube', 'config'));
    const result = await mergeIntoUserKubeconfig(ctx({}), await labFile(), { setCurrent: false });
    expect(result.path).toBe(path.join(home, '.kube', 'config'));
    expect((await lstat(path.join(home, '.kube', 'config'))).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toContain('name: cluster-lab');
    expect(await readdir(path.join(home, '.kube'))).toEqual(['config']);

    const fresh = path.join(home, 'fresh', 'config');
    await mergeIntoUserKubeconfig(ctx({ KUBECONFIG: fresh }), await labFile(), { setCurrent: true });
    expect((await stat(fresh)).mode & 0o777).toBe(0o600);
  });

  it("waits for kubectl's lock on the file, and says who holds it when it stays", async () => {
    const target = path.join(home, 'locked', 'config');
    await mkdir(path.dirname(target));
    await writeFile(`${target}.lock`, '');
    // kubectl itself refuses the file while the lock is there: it is the same lock.
    const refused = await runTool('kubectl', ['config', 'set-context', 'probe', '--cluster=probe'], {
      env: { KUBECONFIG: target, PATH: process.env.PATH, HOME: home },
    });
    expect(refused.stderr).toContain(`${target}.lock: file exists`);
    await expect(mergeIntoUserKubeconfig(ctx({ KUBECONFIG: target }), await labFile(), { setCurrent: false })).rejects.toMatchObject({
      code: 'busy',
      message: `${target} is locked by another program: ${target}.lock exists.`,
    });
    expect(existsSync(target)).toBe(false);
    // Released while waiting: the merge goes on.
    const merging = mergeIntoUserKubeconfig(ctx({ KUBECONFIG: target }), await labFile(), { setCurrent: false });
    await rm(`${target}.lock`);
    await expect(merging).resolves.toMatchObject({ path: target });
    expect(await readdir(path.dirname(target))).toEqual(['config']);
  });
});

describe("kubectl's home folder on Windows (client-go util/homedir)", () => {
  // A domain laptop: HOMEDRIVE/HOMEPATH on a network share, the profile local, no HOME.
  const env = { HOMEDRIVE: 'H:', HOMEPATH: '\\', USERPROFILE: 'C:\\Users\\ana' };
  const windows = (files: string[], writable: string[] = [], extra: NodeJS.ProcessEnv = {}) =>
    kubeHomeDir(
      { env: { ...env, ...extra }, platform: 'win32', homeDir: 'C:\\Users\\ana' },
      (file) => files.includes(file),
      (dir) => writable.includes(dir),
    );

  it('is the first of HOME, HOMEDRIVE+HOMEPATH, USERPROFILE that holds .kube\\config', () => {
    expect(windows(['H:\\.kube\\config', 'C:\\Users\\ana\\.kube\\config'])).toBe('H:\\');
    expect(windows(['C:\\Users\\ana\\.kube\\config'])).toBe('C:\\Users\\ana');
    expect(windows(['D:\\home\\.kube\\config', 'H:\\.kube\\config'], [], { HOME: 'D:\\home' })).toBe('D:\\home');
  });

  it('else the first writable of HOME, USERPROFILE, HOMEDRIVE+HOMEPATH (the profile before the share), else the first that exists, else the first set', () => {
    expect(windows(['H:\\', 'C:\\Users\\ana'], ['H:\\', 'C:\\Users\\ana'])).toBe('C:\\Users\\ana');
    expect(windows(['H:\\', 'C:\\Users\\ana'], ['H:\\'])).toBe('H:\\');
    expect(windows(['H:\\'], [])).toBe('H:\\');
    expect(windows([], [])).toBe('C:\\Users\\ana');
  });

  it('is where a lab is merged when KUBECONFIG is not set', () => {
    const ctx = { env, platform: 'win32' as const, homeDir: 'C:\\Users\\ana' };
    expect(userKubeconfigPath(ctx, (file) => file === 'H:\\.kube\\config')).toBe('H:\\.kube\\config');
    expect(
      userKubeconfigPath(
        { ...ctx, env: { ...env, HOME: 'D:\\home' } },
        () => false,
        () => false,
      ),
    ).toBe('D:\\home\\.kube\\config');
  });

  it('is $HOME elsewhere', () => {
    expect(
      kubeHomeDir(
        { env: { HOME: '/home/ana' }, platform: 'linux', homeDir: '/root' },
        () => false,
        () => false,
      ),
    ).toBe('/home/ana');
  });
});
