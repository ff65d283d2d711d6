import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { k3sYaml } from '../../fixtures/k3s';
import { seedLab } from '../../shared/render/testing';
import {
  getNodes,
  isWritableDir,
  kubeHomeDir,
  mergeIntoUserKubeconfig,
  mergeKubeconfigText,
  parseKubeconfig,
  parseNodes,
  rewriteKubeconfig,
  userKubeconfigPath,
  writeLabKubeconfig,
} from './kubectl';
import { runTool } from './process';
import type * as Time from './time';
import { delay } from './time';

// The waits on kubectl's lock are counted, and still really waited unless a test says otherwise.
vi.mock('./time', async (actual) => {
  const time = await actual<typeof Time>();
  return { ...time, delay: vi.fn(time.delay) };
});

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
  // Back to waiting for real: mockReset restores the function vi.fn was given.
  vi.mocked(delay).mockReset();
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
    expect(userKubeconfigPath(ctx(env), existsSync, isWritableDir)).toBe(target);
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
      const ours = userKubeconfigPath(ctx(env), existsSync, isWritableDir);
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
    // A lock that stays: twenty waits of 100 ms (kubectl holds it only while it writes), then the refusal.
    vi.mocked(delay)
      .mockClear()
      .mockImplementation(async () => {});
    await expect(mergeIntoUserKubeconfig(ctx({ KUBECONFIG: target }), await labFile(), { setCurrent: false })).rejects.toMatchObject({
      code: 'busy',
      message: `${target} is locked by another program: ${target}.lock exists.`,
      hint: `kubectl holds that lock only while it writes the file. If no kubectl is running, delete ${target}.lock and try again.`,
    });
    expect(vi.mocked(delay).mock.calls).toEqual(Array.from({ length: 20 }, () => [100]));
    expect(existsSync(target)).toBe(false);
    // Released during its second wait: the merge goes on, into the file, and leaves no lock.
    vi.mocked(delay)
      .mockClear()
      .mockImplementationOnce(async () => expect(existsSync(target)).toBe(false))
      .mockImplementationOnce(() => rm(`${target}.lock`));
    await expect(mergeIntoUserKubeconfig(ctx({ KUBECONFIG: target }), await labFile(), { setCurrent: false })).resolves.toMatchObject({
      path: target,
    });
    expect(delay).toHaveBeenCalledTimes(2);
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
    expect(
      userKubeconfigPath(
        ctx,
        (file) => file === 'H:\\.kube\\config',
        () => true,
      ),
    ).toBe('H:\\.kube\\config');
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

describe('kubeconfig rules at their edges', () => {
  const ctx = (env: NodeJS.ProcessEnv) => ({ env, platform: 'linux' as const, homeDir: home });

  it('reads an empty file as an empty kubeconfig, and null lists as no entries', () => {
    expect(parseKubeconfig('', 'k')).toEqual({});
    expect(parseKubeconfig('  \n', 'k')).toEqual({});
    expect(parseKubeconfig('clusters: null\nusers: ~\ncontexts:\n', 'k')).toEqual({ clusters: null, users: null, contexts: null });
  });

  it('refuses what is not a kubeconfig, saying the file and YAML’s first complaint', () => {
    const refused = {
      code: 'conflict',
      hint: 'Nothing was changed. Fix the file (kubectl config view shows what kubectl makes of it), or set KUBECONFIG to another file, then try again.',
    };
    for (const text of ['~', 'just text', '- a\n- b', 'clusters: {}', 'users:\n- user: {}', 'contexts:\n- null', 'clusters:\n- name: 7'])
      expect(() => parseKubeconfig(text, '/h/.kube/config'), text).toThrow(
        expect.objectContaining({ ...refused, message: '/h/.kube/config is not a kubeconfig Cluster Lab can read.' }),
      );
    expect(() => parseKubeconfig('clusters: [\n', '/h/.kube/config')).toThrow(
      '/h/.kube/config is not a kubeconfig Cluster Lab can read: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1.',
    );
  });

  it('rewrites k3s.yaml into exactly the lab’s cluster, user and context', () => {
    const lab = seedLab();
    const k3s = YAML.parse(k3sYaml) as { clusters: { cluster: Record<string, unknown> }[]; users: { user: Record<string, unknown> }[] };
    expect(YAML.parse(rewriteKubeconfig(k3sYaml, lab))).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: [{ name: lab.name, cluster: { ...k3s.clusters[0]!.cluster, server: `https://${lab.server.ip}:6443` } }],
      users: [{ name: lab.name, user: k3s.users[0]!.user }],
      contexts: [{ name: lab.name, context: { cluster: lab.name, user: lab.name } }],
      'current-context': lab.name,
    });
  });

  it('refuses a k3s.yaml without a cluster or a user', () => {
    const failed = {
      code: 'failed',
      message: 'shared/k3s.yaml has no cluster or user entry: it is not the kubeconfig k3s writes.',
      hint: 'Run Provision again so the server copies /etc/rancher/k3s/k3s.yaml to the synced folder.',
    };
    expect(() => rewriteKubeconfig('users:\n- name: u\n  user: {token: x}\n', seedLab())).toThrow(expect.objectContaining(failed));
    expect(() => rewriteKubeconfig('clusters:\n- name: c\n  cluster: {server: x}\n', seedLab())).toThrow(expect.objectContaining(failed));
    expect(() => rewriteKubeconfig('clusters: []\nusers: []\n', seedLab())).toThrow(expect.objectContaining(failed));
  });

  it('says where the server should have left its kubeconfig, and keeps the lab’s readable by its owner only', async () => {
    const lab = seedLab();
    await expect(writeLabKubeconfig(home, lab)).rejects.toMatchObject({
      code: 'failed',
      message: `The server did not leave its kubeconfig at ${path.join(home, 'shared', 'k3s.yaml')}.`,
      hint: 'The k3s install on the server did not finish: read the provisioning lines of "server" above, fix the cause, then run Provision.',
    });
    await mkdir(path.join(home, 'shared', 'k3s.yaml'), { recursive: true });
    await expect(writeLabKubeconfig(home, lab)).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(/^Could not read .*k3s\.yaml: a folder stands where a file should be\.$/),
    });
    await rm(path.join(home, 'shared', 'k3s.yaml'), { recursive: true });
    await writeFile(path.join(home, 'shared', 'k3s.yaml'), k3sYaml);
    const written = await writeLabKubeconfig(home, lab);
    expect(written).toBe(path.join(home, 'kubeconfig.yaml'));
    expect((await stat(written)).mode & 0o777).toBe(0o600);
  });

  it('reads each node’s readiness and InternalIP, and skips an item without a name', () => {
    const json = JSON.stringify({
      items: [
        {
          metadata: { name: 'a' },
          status: {
            conditions: [
              { type: 'MemoryPressure', status: 'True' },
              { type: 'Ready', status: 'False' },
            ],
            addresses: [{ type: 'ExternalIP', address: '1.2.3.4' }],
          },
        },
        {
          metadata: { name: 'b' },
          status: {
            conditions: [
              { type: 'DiskPressure', status: 'False' },
              { type: 'Ready', status: 'True' },
            ],
            addresses: [
              { type: 'Hostname', address: 'b' },
              { type: 'InternalIP', address: '192.168.1.51' },
            ],
          },
        },
        { metadata: { name: 'c' } },
        { metadata: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
        {},
      ],
    });
    expect(parseNodes(json)).toEqual([
      { name: 'a', ready: false, internalIp: null },
      { name: 'b', ready: true, internalIp: '192.168.1.51' },
      { name: 'c', ready: false, internalIp: null },
    ]);
    expect(parseNodes('{}')).toEqual([]);
  });

  it('merges into an empty file as a whole kubeconfig, and adds only what a file lacks', () => {
    const lab = YAML.parse(rewriteKubeconfig(k3sYaml, seedLab()));
    const fresh = YAML.parse(mergeKubeconfigText('', lab, { setCurrent: false, context: 'cluster-lab' }));
    expect(Object.keys(fresh)).toEqual(['apiVersion', 'kind', 'clusters', 'users', 'contexts']);
    expect([fresh.apiVersion, fresh.kind]).toEqual(['v1', 'Config']);
    const own = 'kind: Config\napiVersion: v1\npreferences: {colors: true}\n';
    const merged = mergeKubeconfigText(own, lab, { setCurrent: true, context: 'cluster-lab' });
    expect(merged.startsWith(own.replace('{colors: true}', '{ colors: true }'))).toBe(true);
    expect(YAML.parse(merged)['current-context']).toBe('cluster-lab');
  });

  it('picks KUBECONFIG’s file by the platform’s separator, skipping blank entries', () => {
    const exists = (file: string) => file === '/b';
    expect(
      userKubeconfigPath(
        ctx({ KUBECONFIG: ' :/a: ' }),
        () => false,
        () => true,
      ),
    ).toBe('/a');
    expect(userKubeconfigPath(ctx({ KUBECONFIG: '/a:/b:/c' }), exists, () => true)).toBe('/b');
    expect(userKubeconfigPath(ctx({ KUBECONFIG: '/a:/x:/c' }), exists, () => true)).toBe('/c');
    expect(
      userKubeconfigPath(
        ctx({ KUBECONFIG: '/only' }),
        () => false,
        () => true,
      ),
    ).toBe('/only');
    expect(
      userKubeconfigPath(
        ctx({ KUBECONFIG: ' ', HOME: '/home/ana' }),
        () => false,
        () => true,
      ),
    ).toBe('/home/ana/.kube/config');
    expect(
      kubeHomeDir(
        { env: { USERPROFILE: '/profile' }, platform: 'linux', homeDir: '/root' },
        () => true,
        () => true,
      ),
    ).toBe('/root');
    const windows = { env: { KUBECONFIG: 'C:\\a;D:\\b;E:\\c' }, platform: 'win32' as const, homeDir: 'C:\\Users\\ana' };
    expect(
      userKubeconfigPath(
        windows,
        (file) => file === 'D:\\b',
        () => true,
      ),
    ).toBe('D:\\b');
    expect(
      userKubeconfigPath(
        ctx({ HOME: '' }),
        () => false,
        () => true,
      ),
    ).toBe(path.join(home, '.kube', 'config'));
  });

  it('on Windows: takes HOMEDRIVE+HOMEPATH only with both, and the first folder set when none exists', () => {
    const win = (env: NodeJS.ProcessEnv, exists: string[] = []) =>
      kubeHomeDir(
        { env, platform: 'win32', homeDir: 'C:\\fallback' },
        (f) => exists.includes(f),
        () => true,
      );
    expect(win({ HOMEDRIVE: 'H:', USERPROFILE: 'C:\\Users\\ana' })).toBe('C:\\Users\\ana');
    expect(win({ HOMEPATH: '\\ana' }, ['\\ana'])).toBe('C:\\fallback');
    expect(win({ USERPROFILE: 'C:\\Users\\ana', HOMEDRIVE: 'H:', HOMEPATH: '\\' })).toBe('C:\\Users\\ana');
    expect(win({})).toBe('C:\\fallback');
  });

  it('tells a writable folder from a file, a missing path and (as a user) a read-only folder', async () => {
    expect(isWritableDir(home)).toBe(true);
    await writeFile(path.join(home, 'f'), '');
    expect(isWritableDir(path.join(home, 'f'))).toBe(false);
    expect(isWritableDir(path.join(home, 'missing'))).toBe(false);
    if (process.getuid?.() !== 0) {
      await mkdir(path.join(home, 'ro'), { mode: 0o555 });
      expect(isWritableDir(path.join(home, 'ro'))).toBe(false);
      await chmod(path.join(home, 'ro'), 0o755);
    }
  });

  it('says when the lab has no kubeconfig yet, or one without a context, and writes nothing', async () => {
    const target = path.join(home, '.kube', 'config');
    await expect(mergeIntoUserKubeconfig(ctx({}), path.join(home, 'none.yaml'), { setCurrent: false })).rejects.toMatchObject({
      code: 'not_found',
      message: `This lab has no kubeconfig yet (${path.join(home, 'none.yaml')}).`,
      hint: 'Run Up first: it writes the kubeconfig when the server is ready.',
    });
    await writeFile(path.join(home, 'bare.yaml'), 'apiVersion: v1\nkind: Config\ncontexts: []\n');
    await expect(mergeIntoUserKubeconfig(ctx({}), path.join(home, 'bare.yaml'), { setCurrent: false })).rejects.toMatchObject({
      code: 'failed',
      message: `${path.join(home, 'bare.yaml')} has no context.`,
      hint: 'Run Up again to rewrite it.',
    });
    await writeFile(path.join(home, 'none.yaml'), 'apiVersion: v1\nkind: Config\n');
    await expect(mergeIntoUserKubeconfig(ctx({}), path.join(home, 'none.yaml'), { setCurrent: false })).rejects.toMatchObject({
      message: `${path.join(home, 'none.yaml')} has no context.`,
    });
    await mkdir(path.join(home, 'dir.yaml'));
    await expect(mergeIntoUserKubeconfig(ctx({}), path.join(home, 'dir.yaml'), { setCurrent: false })).rejects.toMatchObject({
      code: 'io',
      message: `Could not read ${path.join(home, 'dir.yaml')}: a folder stands where a file should be.`,
    });
    await writeFile(path.join(home, 'good.yaml'), rewriteKubeconfig(k3sYaml, seedLab()));
    await mkdir(path.join(home, 'config-dir'));
    await expect(
      mergeIntoUserKubeconfig(ctx({ KUBECONFIG: path.join(home, 'config-dir') }), path.join(home, 'good.yaml'), { setCurrent: false }),
    ).rejects.toMatchObject({
      code: 'io',
      message: `Could not read ${path.join(home, 'config-dir')}: a folder stands where a file should be.`,
    });
    expect(existsSync(target)).toBe(false);
  });

  it('keeps an existing kubeconfig’s mode, and says which folder or lock it could not create', async () => {
    const labKubeconfig = path.join(home, 'lab.yaml');
    await writeFile(labKubeconfig, rewriteKubeconfig(k3sYaml, seedLab()));
    const own = path.join(home, 'own-config');
    await writeFile(own, theirs, { mode: 0o640 });
    await mergeIntoUserKubeconfig(ctx({ KUBECONFIG: own }), labKubeconfig, { setCurrent: false });
    expect((await stat(own)).mode & 0o777).toBe(0o640);
    await writeFile(path.join(home, 'plain'), '');
    await expect(
      mergeIntoUserKubeconfig(ctx({ KUBECONFIG: path.join(home, 'plain', 'config') }), labKubeconfig, { setCurrent: false }),
    ).rejects.toMatchObject({
      code: 'io',
      message: `Could not create ${path.join(home, 'plain')}: a file stands where a folder should be.`,
    });
    // A name that fits, whose lock (five characters more) does not.
    const long = path.join(home, 'k'.repeat(251));
    await expect(mergeIntoUserKubeconfig(ctx({ KUBECONFIG: long }), labKubeconfig, { setCurrent: false })).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(new RegExp(`^Could not create the lock ${long}\\.lock: ENAMETOOLONG`)),
    });
  });
});

describe('asking kubectl for the nodes', () => {
  const ctx = { env: { PATH: process.env.PATH, CLUSTER_LAB_MARK: 'the lab context' }, platform: 'linux' as const };
  /** A stand-in kubectl that prints `stdout`, `stderr` and exits with `code`, recording its arguments. */
  async function fakeKubectl(stdout: string, stderr: string, code: number) {
    const file = path.join(home, `kubectl-${code}-${stdout.length}`);
    const script = `process.stdout.write(${JSON.stringify(stdout)}); process.stderr.write(${JSON.stringify(stderr)}); require('fs').writeFileSync(${JSON.stringify(`${file}.args`)}, JSON.stringify([...process.argv.slice(2), process.env.CLUSTER_LAB_MARK])); process.exit(${code});`;
    await writeFile(file, `#!${process.execPath}\n${script}\n`, { mode: 0o755 });
    return file;
  }

  it('asks with the lab’s kubeconfig and a timeout, and reads the nodes', async () => {
    const kubectl = await fakeKubectl(
      JSON.stringify({ items: [{ metadata: { name: 'server' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }] }),
      '',
      0,
    );
    expect(await getNodes(kubectl, '/labs/demo/kubeconfig.yaml', ctx)).toEqual({ nodes: [{ name: 'server', ready: true, internalIp: null }] });
    expect(JSON.parse(await readFile(`${kubectl}.args`, 'utf8'))).toEqual([
      '--kubeconfig',
      '/labs/demo/kubeconfig.yaml',
      'get',
      'nodes',
      '-o',
      'json',
      '--request-timeout=10s',
      // Then what it found in its environment: the context's, not this process's.
      'the lab context',
    ]);
  });

  it('says why the cluster did not answer: kubectl’s own words, its exit code, or output that is not JSON', async () => {
    const refused = 'The connection to the server 192.168.1.50:6443 was refused - did you specify the right host or port?';
    expect(await getNodes(await fakeKubectl('', `${refused}\n`, 1), 'k', ctx)).toEqual({ error: refused });
    expect(await getNodes(await fakeKubectl('', '  \n', 3), 'k', ctx)).toEqual({ error: 'kubectl exited with 3' });
    expect(await getNodes(await fakeKubectl('No resources found', '', 0), 'k', ctx)).toEqual({
      error: 'kubectl get nodes printed something that is not JSON',
    });
    expect(await getNodes(path.join(home, 'no-kubectl'), 'k', ctx)).toEqual({
      error: expect.stringMatching(/^Command failed with ENOENT: .*no-kubectl --kubeconfig k get nodes/),
    });
  });
});
