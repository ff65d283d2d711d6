import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { k3sYaml } from '../../fixtures/k3s';
import { seedLab } from '../../shared/render/testing';
import {
  getNodes,
  isWritableDir,
  kubeHomeDir,
  mergeIntoUserKubeconfig,
  parseKubeconfig,
  parseNodes,
  removeFromUserKubeconfig,
  userKubeconfigPath,
  writeLabKubeconfig,
} from './kubectl';
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

/** The real kubectl, reading and writing config only: it never contacts a server for these. */
const kubectl = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runTool('kubectl', args, { env: { PATH: process.env.PATH, HOME: home, ...env }, timeoutMs: 20_000 });

let labs = 0;
/** A lab folder after Up: the server's k3s.yaml in shared/, and the lab's kubeconfig written from it. */
async function labDir(lab = seedLab()): Promise<string> {
  const dir = path.join(home, `lab-${++labs}`);
  await mkdir(path.join(dir, 'shared'), { recursive: true });
  await writeFile(path.join(dir, 'shared', 'k3s.yaml'), k3sYaml);
  await writeLabKubeconfig(dir, lab);
  return dir;
}

const ctx = (env: NodeJS.ProcessEnv) => ({ env, platform: 'linux' as const, homeDir: home });
const merge = (env: NodeJS.ProcessEnv, dir: string, options: { setCurrent?: boolean; context?: string } = {}, lab = seedLab()) =>
  mergeIntoUserKubeconfig(ctx(env), dir, lab, { setCurrent: options.setCurrent ?? false, context: options.context });
/** What real kubectl makes of a KUBECONFIG list. */
const view = async (kubeconfig: string) => {
  const result = await kubectl(['config', 'view', '--raw', '-o', 'json'], { KUBECONFIG: kubeconfig });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    clusters: { name: string; cluster: Record<string, unknown> }[] | null;
    users: { name: string; user: Record<string, unknown> }[] | null;
    contexts: { name: string; context: Record<string, unknown> }[] | null;
    'current-context': string;
  };
};
const names = (list: { name: string }[] | null) => (list ?? []).map((entry) => entry.name).sort();
const entriesOf = async (file: string) => {
  const text = await readFile(file, 'utf8');
  return YAML.parse(text) as Record<'clusters' | 'users' | 'contexts', { name: string }[] | undefined>;
};

describe('the lab kubeconfig', () => {
  it('points at the server over the LAN under the lab name, and the real kubectl reads it', async () => {
    const dir = await labDir();
    const file = path.join(dir, 'kubeconfig.yaml');
    const json = await view(file);
    expect(json.clusters).toEqual([
      {
        name: 'cluster-lab',
        cluster: {
          server: 'https://192.168.1.110:6443',
          'certificate-authority-data': YAML.parse(k3sYaml).clusters[0].cluster['certificate-authority-data'],
          extensions: [{ name: 'cluster-lab', extension: { folder: dir, server: 'https://192.168.1.110:6443' } }],
        },
      },
    ]);
    expect(json['current-context']).toBe('cluster-lab');
    const contexts = await kubectl(['config', 'get-contexts', '--kubeconfig', file, '-o', 'name']);
    expect(contexts.stdout.trim()).toBe('cluster-lab');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
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
  it('adds only the lab’s entries, keeps the others and the current context, and backs up first', async () => {
    const dir = await labDir();
    const target = path.join(home, 'first', 'config');
    await mkdir(path.dirname(target));
    await writeFile(target, theirs);
    const env = { KUBECONFIG: `${target}:${path.join(home, 'second')}` };
    expect(userKubeconfigPath(ctx(env), existsSync, isWritableDir)).toBe(target);
    const result = await merge(env, dir);
    expect(result).toMatchObject({ path: target, context: 'cluster-lab', currentContext: 'work' });
    expect(result.files).toEqual([{ path: target, backupPath: result.backupPath }]);
    expect(await readFile(result.backupPath!, 'utf8')).toBe(theirs);
    const seen = await view(env.KUBECONFIG);
    expect(names(seen.contexts)).toEqual(['cluster-lab', 'work']);
    expect(seen['current-context']).toBe('work');
    expect((await entriesOf(target)).users?.map((u) => u.name)).toEqual(['work-admin', 'cluster-lab']);
    // The user's own lines, comments included, are still there as they wrote them.
    const after = (await readFile(target, 'utf8')).split('\n');
    for (const line of theirs.split('\n').filter((l) => l.trim())) expect(after).toContain(line);

    const again = await merge(env, dir, { setCurrent: true });
    expect(again.currentContext).toBe('cluster-lab');
    expect((await entriesOf(target)).contexts).toHaveLength(2);
  });

  it('into an empty kubeconfig: creates ~/.kube/config readable by its owner only, and makes the lab the current context', async () => {
    const dir = await labDir();
    const created = await merge({}, dir);
    expect(created).toMatchObject({ path: path.join(home, '.kube', 'config'), backupPath: null, currentContext: 'cluster-lab' });
    expect((await stat(path.join(home, '.kube', 'config'))).mode & 0o777).toBe(0o600);
    const current = await kubectl(['config', 'current-context']);
    expect(current.stdout.trim()).toBe('cluster-lab');
  });

  it('writes nothing, and keeps no backup, when the lab is merged already', async () => {
    const dir = await labDir();
    const target = path.join(home, 'config');
    await writeFile(target, theirs);
    const first = await merge({ KUBECONFIG: target }, dir);
    expect(first.files).toHaveLength(1);
    const text = await readFile(target, 'utf8');
    const second = await merge({ KUBECONFIG: target }, dir);
    expect(second).toMatchObject({ path: target, backupPath: null, files: [], currentContext: 'work' });
    expect(await readFile(target, 'utf8')).toBe(text);
    expect((await readdir(home)).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
  });

  it('refuses a file it cannot parse, and odd files, changing nothing', async () => {
    const dir = await labDir();
    const broken = path.join(home, 'broken');
    await writeFile(broken, 'clusters: [oops\n');
    await expect(merge({ KUBECONFIG: broken }, dir)).rejects.toMatchObject({
      code: 'conflict',
      hint: expect.stringContaining('Nothing was changed'),
    });
    expect(await readFile(broken, 'utf8')).toBe('clusters: [oops\n');
    expect((await readdir(home)).filter((f) => f.startsWith('broken'))).toEqual(['broken']);
    await mkdir(path.join(home, 'config-dir'));
    await expect(merge({ KUBECONFIG: path.join(home, 'config-dir') }, dir)).rejects.toMatchObject({
      message: `${path.join(home, 'config-dir')} is a folder, not a plain file: Cluster Lab neither opens nor replaces it.`,
    });
    const dangling = path.join(home, 'dangling');
    await symlink(path.join(home, 'nowhere', 'config'), dangling);
    await expect(merge({ KUBECONFIG: dangling }, dir)).rejects.toMatchObject({ message: `${dangling} is a link to a file that does not exist.` });
    expect((await lstat(dangling)).isSymbolicLink()).toBe(true);
  });

  it('picks the file the real kubectl writes a new context into, for every shape of KUBECONFIG', async () => {
    const file = (name: string) => path.join(home, 'pick', name);
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
      const set = await kubectl(['config', 'set-context', 'probe', '--cluster=probe'], env);
      expect(set.exitCode, set.stderr).toBe(0);
      const written = [];
      for (const name of new Set(entries)) if ((await readFile(file(name), 'utf8').catch(() => '')).includes('probe')) written.push(file(name));
      expect(written, `KUBECONFIG=${entries.join(':')} with ${existing.join(',') || 'none'} existing`).toEqual([ours]);
    }
  });

  it('writes through a symlinked kubeconfig and leaves no lock or temporary file', async () => {
    const dir = await labDir();
    const real = path.join(home, 'dotfiles', 'kubeconfig');
    await mkdir(path.dirname(real));
    await writeFile(real, theirs, { mode: 0o640 });
    await mkdir(path.join(home, '.kube'));
    await symlink(real, path.join(home, '.kube', 'config'));
    const result = await merge({}, dir);
    expect(result.path).toBe(path.join(home, '.kube', 'config'));
    expect((await lstat(path.join(home, '.kube', 'config'))).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toContain('name: cluster-lab');
    // Its own mode kept.
    expect((await stat(real)).mode & 0o777).toBe(0o640);
    expect(await readdir(path.join(home, '.kube'))).toEqual(['config']);
    expect((await readdir(path.dirname(real))).filter((f) => !f.endsWith('.bak'))).toEqual(['kubeconfig']);
  });
});

describe('entries Cluster Lab owns (issue 21: a lab named prod)', () => {
  const prod = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
users:
- name: prod
  user:
    token: the-real-one
contexts:
- name: prod
  context:
    cluster: prod
    user: prod
current-context: prod
`;

  it('refuses to replace the user’s own same-named entries, and merges under another name when asked', async () => {
    const lab = { ...seedLab(), name: 'prod' };
    const dir = await labDir(lab);
    const target = path.join(home, 'config');
    await writeFile(target, prod);
    await expect(merge({ KUBECONFIG: target }, dir, { setCurrent: true }, lab)).rejects.toMatchObject({
      code: 'conflict',
      message: `Your kubeconfig already has a cluster, a user and a context named "prod" that Cluster Lab did not write for this lab (${target}).`,
      hint: 'Nothing was changed. Merge the lab under another name (cluster-lab kubeconfig --merge --context NAME), or rename yours first (kubectl config rename-context).',
    });
    expect(await readFile(target, 'utf8')).toBe(prod);
    expect(await readdir(home)).not.toContain(expect.stringMatching(/\.bak$/));

    const renamed = await merge({ KUBECONFIG: target }, dir, { context: 'prod-lab' }, lab);
    expect(renamed).toMatchObject({ context: 'prod-lab', currentContext: 'prod' });
    const seen = await view(target);
    expect(names(seen.clusters)).toEqual(['prod', 'prod-lab']);
    expect(seen.clusters!.find((c) => c.name === 'prod')!.cluster.server).toBe('https://prod.example:6443');
    expect(seen.contexts!.find((c) => c.name === 'prod-lab')!.context).toMatchObject({ cluster: 'prod-lab', user: 'prod-lab' });
  });

  it('refuses an entry Cluster Lab wrote for another lab folder, or whose server the user changed', async () => {
    const first = await labDir();
    const second = await labDir();
    const target = path.join(home, 'config');
    await merge({ KUBECONFIG: target }, first);
    await expect(merge({ KUBECONFIG: target }, second)).rejects.toMatchObject({ code: 'conflict' });
    const edited = await kubectl(['config', 'set-cluster', 'cluster-lab', '--server=https://10.0.0.9:6443'], { KUBECONFIG: target });
    expect(edited.exitCode, edited.stderr).toBe(0);
    await expect(merge({ KUBECONFIG: target }, first)).rejects.toMatchObject({
      message: expect.stringContaining('already has a cluster named "cluster-lab"'),
    });
  });

  it('keeps its marker through kubectl’s own rewrites, and replaces its entry when the lab’s server moved', async () => {
    const dir = await labDir();
    const target = path.join(home, 'config');
    await writeFile(target, theirs);
    await merge({ KUBECONFIG: target }, dir);
    // kubectl reads and rewrites the whole file: the extension must survive it.
    const touched = await kubectl(['config', 'set-context', 'other', '--cluster=work'], { KUBECONFIG: target });
    expect(touched.exitCode, touched.stderr).toBe(0);
    const moved = { ...seedLab(), server: { ...seedLab().server, ip: '192.168.1.120' } };
    const result = await merge({ KUBECONFIG: target }, dir, {}, moved);
    expect(result.files).toHaveLength(1);
    const seen = await view(target);
    expect(seen.clusters!.find((c) => c.name === 'cluster-lab')!.cluster.server).toBe('https://192.168.1.120:6443');
    expect(names(seen.contexts)).toEqual(['cluster-lab', 'other', 'work']);
  });
});

describe('a KUBECONFIG list, as client-go’s ModifyConfig writes it', () => {
  it('writes an entry that exists back into its file of origin, as kubectl itself does', async () => {
    const dir = await labDir();
    const a = path.join(home, 'a');
    const b = path.join(home, 'b');
    await writeFile(a, theirs);
    await merge({ KUBECONFIG: b }, dir);
    const aBefore = await readFile(a, 'utf8');
    // kubectl: an existing cluster set again goes to the file that holds it, not to the default file (a).
    const probeA = path.join(home, 'probe-a');
    const probeB = path.join(home, 'probe-b');
    await copyFile(a, probeA);
    await copyFile(b, probeB);
    const set = await kubectl(['config', 'set-cluster', 'cluster-lab', '--server=https://192.168.1.120:6443'], { KUBECONFIG: `${probeA}:${probeB}` });
    expect(set.exitCode, set.stderr).toBe(0);
    expect(await readFile(probeA, 'utf8')).toBe(aBefore);
    expect((await view(probeB)).clusters![0]!.cluster.server).toBe('https://192.168.1.120:6443');

    const moved = { ...seedLab(), server: { ...seedLab().server, ip: '192.168.1.120' } };
    const result = await merge({ KUBECONFIG: `${a}:${b}` }, dir, {}, moved);
    expect(result).toMatchObject({ path: b, currentContext: 'work' });
    expect(result.files.map((f) => f.path)).toEqual([b]);
    expect(await readFile(a, 'utf8')).toBe(aBefore);
    const seen = await view(`${a}:${b}`);
    expect(seen.clusters!.find((c) => c.name === 'cluster-lab')!.cluster.server).toBe('https://192.168.1.120:6443');
    const contexts = await kubectl(['config', 'get-contexts', '-o', 'name'], { KUBECONFIG: `${a}:${b}` });
    expect(contexts.stdout.trim().split('\n').sort()).toEqual(['cluster-lab', 'work']);
  });

  it("fails at once on kubectl's lock on any file of the list, as kubectl does, and writes nothing", async () => {
    const dir = await labDir();
    const a = path.join(home, 'a');
    const b = path.join(home, 'b');
    await writeFile(a, theirs);
    await writeFile(`${b}.lock`, '');
    const env = { KUBECONFIG: `${a}:${b}` };
    const refused = await kubectl(['config', 'set-context', 'probe', '--cluster=probe'], env);
    expect(refused.stderr).toContain(`${b}.lock: file exists`);
    await expect(merge(env, dir)).rejects.toMatchObject({
      code: 'busy',
      message: `${b} is locked: ${b}.lock exists.`,
      hint: `kubectl holds that lock only while it writes the file: try again in a moment. If no kubectl is running, a killed one left it: delete ${b}.lock.`,
    });
    expect(await readFile(a, 'utf8')).toBe(theirs);
    // kubectl's lock is never ours to remove.
    expect((await readdir(home)).filter((f) => !f.startsWith('lab-')).sort()).toEqual(['a', 'b.lock']);
  });

  it('clears a lock a dead Cluster Lab left, and refuses one a live one holds', async () => {
    const dir = await labDir();
    const target = path.join(home, 'config');
    await writeFile(target, theirs);
    const gone = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => gone.on('exit', () => resolve(gone.pid!)));
    await writeFile(`${target}.lock`, `${JSON.stringify({ by: 'cluster-lab', pid: deadPid, start: '1', host: os.hostname() })}\n`);
    await expect(merge({ KUBECONFIG: target }, dir)).resolves.toMatchObject({ path: target });
    expect(existsSync(`${target}.lock`)).toBe(false);

    const live = `${JSON.stringify({ by: 'cluster-lab', pid: process.pid, start: '0', host: os.hostname() })}\n`;
    await writeFile(`${target}.lock`, live);
    await expect(merge({ KUBECONFIG: target }, dir, { setCurrent: true })).rejects.toMatchObject({
      code: 'busy',
      message: `${target} is locked: ${target}.lock exists (Cluster Lab, process ${process.pid}).`,
    });
    expect(await readFile(`${target}.lock`, 'utf8')).toBe(live);
  });

  it('leaves nothing that blocks the next write when killed with SIGKILL mid-merge, again and again', async () => {
    const dir = await labDir();
    const target = path.join(home, 'kube', 'config');
    await mkdir(path.dirname(target));
    // tsx's loader in this very process (the tsx command would run it in a child of its own, which SIGKILL would miss).
    const loader = path.resolve(import.meta.dirname, '../../node_modules/tsx/dist/loader.mjs');
    for (let round = 0; round < 4; round++) {
      await writeFile(target, theirs);
      const child = spawn(process.execPath, ['--import', pathToFileURL(loader).href, path.join(import.meta.dirname, 'kubectl.kill-child.ts'), dir], {
        env: { ...process.env, KUBECONFIG: target, HOME: home },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      try {
        // Killed at its final rename: its temporary file written, kubectl's lock held.
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('renaming') && resolve());
          child.on('exit', (code) => reject(new Error(`the merge ended (${code}) before its rename`)));
        });
        const left = await readdir(path.dirname(target));
        expect(left).toContain('config.lock');
        expect(left.some((f) => f.startsWith('.cluster-lab-tmp-'))).toBe(true);
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      expect(await readFile(target, 'utf8')).toBe(theirs);
      // The next write goes through, and sweeps what the killed one left.
      await expect(merge({ KUBECONFIG: target }, dir)).resolves.toMatchObject({ path: target });
      expect((await readdir(path.dirname(target))).filter((f) => !f.endsWith('.bak'))).toEqual(['config']);
    }
    // kubectl's own writes are not blocked either.
    const set = await kubectl(['config', 'set-context', 'probe', '--cluster=probe'], { KUBECONFIG: target });
    expect(set.exitCode, set.stderr).toBe(0);
  }, 120_000);
});

describe('removing a lab’s entries', () => {
  it('takes out every entry Cluster Lab wrote for this lab, under any name, and nothing of the user’s', async () => {
    const dir = await labDir();
    const other = await labDir();
    const a = path.join(home, 'a');
    const b = path.join(home, 'b');
    await writeFile(a, theirs);
    await merge({ KUBECONFIG: b }, dir, { context: 'first-name' });
    await merge({ KUBECONFIG: `${a}:${b}` }, dir, { setCurrent: true });
    await merge({ KUBECONFIG: `${a}:${b}` }, other, { context: 'other-lab' });
    const removed = await removeFromUserKubeconfig(ctx({ KUBECONFIG: `${a}:${b}` }), dir);
    expect(removed.removed).toEqual({
      clusters: ['cluster-lab', 'first-name'],
      users: ['cluster-lab', 'first-name'],
      contexts: ['cluster-lab', 'first-name'],
    });
    expect(removed.files.map((f) => f.path)).toEqual([a, b]);
    // It was the current context: unset, as `kubectl config unset current-context` would leave it.
    expect(removed.currentContext).toBeNull();
    const seen = await view(`${a}:${b}`);
    expect(names(seen.contexts)).toEqual(['other-lab', 'work']);
    expect(names(seen.users)).toEqual(['other-lab', 'work-admin']);
    expect(seen['current-context']).toBe('');
    const again = await removeFromUserKubeconfig(ctx({ KUBECONFIG: `${a}:${b}` }), dir);
    expect(again).toEqual({ removed: { clusters: [], users: [], contexts: [] }, currentContext: null, files: [] });
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

  /** A lab's kubeconfig as Up writes it: getNodes checks it before kubectl reads it. */
  const labKubeconfig = async () => path.join(await labDir(), 'kubeconfig.yaml');

  it('asks with the lab’s kubeconfig and a timeout, and reads the nodes', async () => {
    const kubeconfig = await labKubeconfig();
    const kubectl = await fakeKubectl(
      JSON.stringify({ items: [{ metadata: { name: 'server' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }] }),
      '',
      0,
    );
    expect(await getNodes(kubectl, kubeconfig, ctx)).toEqual({ nodes: [{ name: 'server', ready: true, internalIp: null }] });
    expect(JSON.parse(await readFile(`${kubectl}.args`, 'utf8'))).toEqual([
      '--kubeconfig',
      kubeconfig,
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
    const k = await labKubeconfig();
    const refused = 'The connection to the server 192.168.1.50:6443 was refused - did you specify the right host or port?';
    expect(await getNodes(await fakeKubectl('', `${refused}\n`, 1), k, ctx)).toEqual({ error: refused });
    expect(await getNodes(await fakeKubectl('', '  \n', 3), k, ctx)).toEqual({ error: 'kubectl exited with 3' });
    expect(await getNodes(await fakeKubectl('No resources found', '', 0), k, ctx)).toEqual({
      error: 'kubectl get nodes printed something that is not JSON',
    });
    expect(await getNodes(path.join(home, 'no-kubectl'), k, ctx)).toEqual({
      error: expect.stringMatching(/^Command failed with ENOENT: .*no-kubectl --kubeconfig .*kubeconfig\.yaml get nodes/),
    });
    expect(await getNodes(path.join(home, 'no-kubectl'), path.join(home, 'none.yaml'), ctx)).toEqual({
      error: `There is no kubeconfig at ${path.join(home, 'none.yaml')}.`,
    });
  });
});
