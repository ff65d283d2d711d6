/**
 * The lab folder on a real file system: what a write creates, that a second write of the same lab
 * moves not a byte, that a user's edit is kept, and that a folder that can not be written leaves
 * what was there as it was. Tests run as root, so "can not be written" is made with what stops
 * root too: a file where a folder should be, an immutable folder (chattr +i) and a full tmpfs.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { renderLab } from '../../shared/render';
import { seedLab } from '../../shared/render/testing';
import { createContext } from './context';
import { runTool } from './process';
import { defaultLabDir, GENERATED_FILES, openLab, previewLab, readLabJson, refuseUnknownFields, resolveLabDir, writeLab } from './labFolder';

let base: string;
let dir: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-folder-'));
  dir = path.join(base, 'lab');
});
afterEach(async () => {
  await runTool('chattr', ['-R', '-i', base]).catch(() => {});
  await rm(base, { recursive: true, force: true });
});

/** Every file under `root` with its bytes and mtime, to prove a write changed nothing. */
async function snapshot(root: string): Promise<Record<string, { content: string; mtimeNs: bigint }>> {
  const result: Record<string, { content: string; mtimeNs: bigint }> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    result[path.relative(root, file)] = { content: await readFile(file, 'utf8'), mtimeNs: (await stat(file, { bigint: true })).mtimeNs };
  }
  return result;
}

async function expectAppError(promise: Promise<unknown>, code: string, message: RegExp): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  expect((error as AppError).message).toMatch(message);
  expect((error as AppError).hint).toBeTruthy();
  return error as AppError;
}

const resized = () => ({ ...seedLab(), vm: { ...seedLab().vm, memoryMb: 2048 } });

describe('writing a lab folder', () => {
  it('creates lab.json, the Vagrantfile, registry.yaml, shared/ and logs/, and lab.json opens again', async () => {
    const report = await writeLab(dir, seedLab());
    expect(report).toEqual({
      dir,
      written: ['Vagrantfile', 'registry.yaml', 'lab.json'],
      unchanged: [],
      keptUserCopies: [],
      removed: [],
      leftEdited: [],
      ignored: [],
    });
    for (const file of renderLab(seedLab())) expect(await readFile(path.join(dir, file.name), 'utf8')).toBe(file.content);
    expect((await stat(path.join(dir, 'shared'))).isDirectory()).toBe(true);
    expect((await stat(path.join(dir, 'logs'))).isDirectory()).toBe(true);
    expect(await openLab(dir)).toEqual(seedLab());
    // Nothing half-written is left behind by the temporary-file-then-rename writes.
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('re-writing an unchanged lab changes no byte and no timestamp', async () => {
    await writeLab(dir, seedLab());
    const before = await snapshot(dir);
    const report = await writeLab(dir, seedLab());
    expect(report.written).toEqual([]);
    expect(report.unchanged).toEqual(['Vagrantfile', 'registry.yaml', 'lab.json']);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('removes registry.yaml once the registry is off, unless the user edited it', async () => {
    const noRegistry = { ...seedLab(), registry: { enabled: false } };
    await writeLab(dir, seedLab());
    expect(await writeLab(dir, noRegistry)).toMatchObject({ removed: ['registry.yaml'], leftEdited: [] });
    await expect(stat(path.join(dir, 'registry.yaml'))).rejects.toThrow(/ENOENT/);

    await writeLab(dir, seedLab());
    await writeFile(path.join(dir, 'registry.yaml'), '# mine now\n');
    expect(await writeLab(dir, noRegistry)).toMatchObject({ removed: [], leftEdited: ['registry.yaml'] });
    expect(await readFile(path.join(dir, 'registry.yaml'), 'utf8')).toBe('# mine now\n');
    // Forgotten once left: the next write does not mention it again.
    expect(await writeLab(dir, noRegistry)).toMatchObject({ removed: [], leftEdited: [] });
  });

  it('previews each file as new, unchanged or changed, with what is on disk', async () => {
    const fresh = await previewLab(dir, seedLab());
    expect(fresh.files.map((f) => [f.name, f.state])).toEqual([
      ['Vagrantfile', 'new'],
      ['registry.yaml', 'new'],
      ['lab.json', 'new'],
    ]);
    expect((await previewLab(null, seedLab())).files.every((f) => f.state === 'new' && f.current === null)).toBe(true);
    await writeLab(dir, seedLab());
    const changed = await previewLab(dir, resized());
    expect(changed.files.map((f) => [f.name, f.state])).toEqual([
      ['Vagrantfile', 'changed'],
      ['registry.yaml', 'unchanged'],
      ['lab.json', 'changed'],
    ]);
    const vagrantfile = changed.files[0]!;
    expect(vagrantfile.current).toContain('vb.memory = 4096');
    expect(vagrantfile.content).toContain('vb.memory = 2048');
    const report = await writeLab(dir, resized());
    expect(report.keptUserCopies).toEqual([]);
    expect(report.written).toEqual(['Vagrantfile', 'lab.json']);
  });

  it("keeps the user's edit beside the new file, says so in the preview, and loses nothing", async () => {
    await writeLab(dir, seedLab());
    const edited = `${await readFile(path.join(dir, 'Vagrantfile'), 'utf8')}# my own tweak\n`;
    await writeFile(path.join(dir, 'Vagrantfile'), edited);
    const preview = await previewLab(dir, resized());
    expect(preview.files[0]).toMatchObject({ name: 'Vagrantfile', state: 'user-edited', current: edited });
    const now = new Date('2026-12-01T10:20:30.456Z');
    const report = await writeLab(dir, resized(), { now });
    expect(report.keptUserCopies).toEqual([{ name: 'Vagrantfile', keptAs: 'Vagrantfile.user-2026-12-01T10-20-30-456Z' }]);
    expect(await readFile(path.join(dir, 'Vagrantfile.user-2026-12-01T10-20-30-456Z'), 'utf8')).toBe(edited);
    expect(await readFile(path.join(dir, 'Vagrantfile'), 'utf8')).toContain('vb.memory = 2048');
    // Once written, the file is Cluster Lab's again: the next change is an ordinary one.
    expect((await previewLab(dir, seedLab())).files[0]!.state).toBe('changed');
  });

  it("treats a Vagrantfile it never wrote as the user's, even when the lab is the same", async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Vagrantfile'), '# an older lab\n');
    expect((await previewLab(dir, seedLab())).files[0]!.state).toBe('user-edited');
    const report = await writeLab(dir, seedLab(), { now: new Date('2026-01-02T03:04:05.000Z') });
    expect(report.keptUserCopies).toEqual([{ name: 'Vagrantfile', keptAs: 'Vagrantfile.user-2026-01-02T03-04-05-000Z' }]);
  });

  it('validates first: invalid settings name the field and write nothing', async () => {
    const error = await expectAppError(writeLab(dir, { ...seedLab(), vm: { ...seedLab().vm, cpus: 0 } }), 'invalid_input', /1 problem/);
    expect(error.issues).toEqual([{ path: 'vm.cpus', message: 'CPUs must be at least 1.' }]);
    await expect(stat(dir)).rejects.toThrow();
  });
});

describe('a lab folder is never silently taken over', () => {
  const withVm = async (machine: string) => {
    await mkdir(path.join(dir, '.vagrant', 'machines', machine, 'virtualbox'), { recursive: true });
    await writeFile(path.join(dir, '.vagrant', 'machines', machine, 'virtualbox', 'id'), '0b8a3f5e-vbox-uuid');
  };

  it('refuses a folder holding another lab, names both, writes nothing, and writes it when forced', async () => {
    await writeLab(dir, { ...seedLab(), name: 'other-lab' });
    const before = await snapshot(dir);
    const error = await expectAppError(writeLab(dir, resized()), 'invalid_input', /holds the lab "other-lab".*not "cluster-lab"/);
    expect(error.message).toContain(dir);
    expect(error.hint).toMatch(/--force/);
    // What the app asks "Write into it anyway?" from: fields, not the message's words.
    expect(error.toInfo().refusal).toEqual({ kind: 'folder-taken', dir, holds: 'the lab "other-lab" (its lab.json names it so), not "cluster-lab"' });
    expect(await snapshot(dir)).toEqual(before);
    expect((await writeLab(dir, resized(), { force: true })).written).toContain('lab.json');
    expect((await openLab(dir)).name).toBe('cluster-lab');
  });

  it('refuses a lab.json that is not a lab', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'lab.json'), '{"name": "x"');
    await expectAppError(writeLab(dir, seedLab()), 'invalid_input', /lab\.json that is not a lab/);
    expect(await readFile(path.join(dir, 'lab.json'), 'utf8')).toBe('{"name": "x"');
  });

  it("refuses a non-empty folder that is not a lab, naming what is in it, and ignores only the lab's own names", async () => {
    await mkdir(path.join(dir, 'shared'), { recursive: true });
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    await writeFile(path.join(dir, '.bashrc'), 'mine');
    const error = await expectAppError(writeLab(dir, seedLab()), 'invalid_input', /files that are not a lab's: \.bashrc, notes\.txt/);
    expect(error.refusal).toEqual({ kind: 'folder-taken', dir, holds: "files that are not a lab's: .bashrc, notes.txt" });
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['notes.txt', '.bashrc', 'shared']));
    expect(existsSync(path.join(dir, 'lab.json'))).toBe(false);
    await writeLab(dir, seedLab(), { force: true });
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('lets a lab with VMs add agents and change sizes', async () => {
    await writeLab(dir, seedLab());
    await withVm('server');
    await withVm('agent1');
    await withVm('agent2');
    const more = { ...resized(), agents: [...seedLab().agents, { name: 'agent3', ip: '192.168.1.113' }] };
    expect((await writeLab(dir, more)).written).toContain('Vagrantfile');
  });

  it('refuses to remove or rename a machine whose VM exists, even forced, and allows it once destroyed', async () => {
    await writeLab(dir, seedLab());
    await withVm('server');
    await withVm('agent2');
    const before = await snapshot(dir);
    const renamed = { ...seedLab(), agents: [{ name: 'worker', ip: '192.168.1.112' }] };
    const error = await expectAppError(writeLab(dir, renamed, { force: true }), 'conflict', /VM agent2 that this lab no longer has/);
    expect(error.hint).toMatch(/Destroy/);
    expect(error.toInfo().refusal).toEqual({ kind: 'vms-exist', dir, machines: ['agent2'] });
    expect(await snapshot(dir)).toEqual(before);
    // Vagrant deletes the id file when the VM is destroyed.
    await rm(path.join(dir, '.vagrant', 'machines', 'agent2', 'virtualbox', 'id'));
    expect((await writeLab(dir, renamed)).written).toContain('Vagrantfile');
  });

  it('keeps the replaced lab.json beside the new one when asked', async () => {
    await writeLab(dir, seedLab());
    const old = await readFile(path.join(dir, 'lab.json'), 'utf8');
    const report = await writeLab(dir, resized(), { keepLabJson: true, now: new Date(0) });
    expect(report.keptUserCopies).toEqual([{ name: 'lab.json', keptAs: 'lab.json.user-1970-01-01T00-00-00-000Z' }]);
    expect(await readFile(path.join(dir, 'lab.json.user-1970-01-01T00-00-00-000Z'), 'utf8')).toBe(old);
  });
});

describe('opening a lab folder', () => {
  it('reads back what was written, and refuses a missing, broken, foreign or unknown lab.json clearly', async () => {
    await writeLab(dir, seedLab());
    expect(await openLab(dir)).toEqual(seedLab());
    const file = path.join(dir, 'lab.json');
    await writeFile(file, JSON.stringify({ ...seedLab(), vm: { ...seedLab().vm, gpus: 1 }, colour: 'blue' }));
    const unknown = await expectAppError(openLab(dir), 'invalid_input', /has fields this Cluster Lab does not know: vm\.gpus, colour/);
    expect(unknown.issues?.map((i) => i.path)).toEqual(['vm.gpus', 'colour']);
    await writeFile(file, '{ "schemaVersion": 1,');
    await expectAppError(openLab(dir), 'invalid_input', /is not valid JSON/);
    await writeFile(file, JSON.stringify({ ...seedLab(), schemaVersion: 7 }));
    await expectAppError(openLab(dir), 'invalid_input', /schema version 7; this Cluster Lab reads version 1/);
    await writeFile(file, JSON.stringify({ ...seedLab(), agents: 'two' }));
    await expectAppError(openLab(dir), 'invalid_input', /1 problem/);
    await expectAppError(openLab(base), 'not_found', /is not a Cluster Lab folder: it has no lab\.json/);
  });
});

describe('reading lab.json: every refusal in full', () => {
  const labFile = () => path.join(dir, 'lab.json');
  const write = async (content: unknown) => {
    await mkdir(dir, { recursive: true });
    await writeFile(labFile(), typeof content === 'string' ? content : JSON.stringify(content));
  };

  it('names one unknown field, or several, down into the agents, each as an issue', async () => {
    const lab = seedLab();
    expect(() => refuseUnknownFields({ ...lab, colour: 'blue' }, lab, '/x/lab.json')).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        message: '/x/lab.json has field this Cluster Lab does not know: colour.',
        hint: 'Remove or correct them (a typo?), or update Cluster Lab if the lab was written by a newer one.',
        issues: [{ path: 'colour', message: 'Unknown field colour: remove it or correct its name.' }],
      }),
    );
    const agents = lab.agents.map((agent, i) => (i === 1 ? { ...agent, gpu: true } : agent));
    expect(() => refuseUnknownFields({ ...lab, agents }, lab, 'lab.json')).toThrow(
      'lab.json has field this Cluster Lab does not know: agents.1.gpu.',
    );
    expect(refuseUnknownFields(JSON.parse(JSON.stringify(lab)), lab, 'lab.json')).toBe(lab);
  });

  it('tells a missing file from a folder that is not a lab', async () => {
    await expect(readLabJson(path.join(base, 'lab.json'))).rejects.toMatchObject({
      code: 'not_found',
      message: `There is no lab file at ${path.join(base, 'lab.json')}.`,
      hint: 'Give the path of a lab.json that Cluster Lab wrote.',
    });
    await expect(readLabJson(path.join(base, 'lab.json'), base)).rejects.toMatchObject({
      code: 'not_found',
      message: `${base} is not a Cluster Lab folder: it has no lab.json.`,
      hint: 'Choose the folder a lab was written to, or write a new lab from the Review step (or `cluster-lab render`).',
    });
    await mkdir(path.join(base, 'dir.json'));
    await expect(readLabJson(path.join(base, 'dir.json'))).rejects.toMatchObject({
      code: 'io',
      message: `${path.join(base, 'dir.json')} is a folder, not a plain file: Cluster Lab neither opens nor replaces it.`,
    });
  });

  it('says what to do about a schema version, newer or older or missing', async () => {
    await write({ ...seedLab(), schemaVersion: 2 });
    await expect(openLab(dir)).rejects.toMatchObject({
      message: `${labFile()} has schema version 2; this Cluster Lab reads version 1.`,
      hint: 'Update Cluster Lab to open this lab.',
    });
    for (const [version, shown] of [
      [0, '0'],
      ['2', '"2"'],
      [undefined, 'undefined'],
    ] as const) {
      await write({ ...seedLab(), schemaVersion: version });
      await expect(openLab(dir), shown).rejects.toMatchObject({
        message: `${labFile()} has schema version ${shown}; this Cluster Lab reads version 1.`,
        hint: 'Write the lab again from the wizard.',
      });
    }
    await write('null');
    await expect(openLab(dir)).rejects.toMatchObject({ message: `${labFile()} has schema version undefined; this Cluster Lab reads version 1.` });
    await write('{ "schemaVersion": 1,');
    await expect(openLab(dir)).rejects.toMatchObject({
      message: expect.stringMatching(/^\S+lab\.json is not valid JSON: .+\.$/),
      hint: 'Fix the file by hand, or write the lab again from the wizard.',
    });
  });
});

describe('what a write keeps and what it forgets', () => {
  const manifestFile = () => path.join(dir, '.cluster-lab', 'written.json');
  const manifest = async () => JSON.parse(await readFile(manifestFile(), 'utf8')) as { version: number; files: Record<string, string> };

  it('remembers each file it wrote by its hash, in name order', async () => {
    await writeLab(dir, seedLab());
    const { version, files } = await manifest();
    expect(version).toBe(1);
    expect(Object.keys(files)).toEqual(
      renderLab(seedLab())
        .map((f) => f.name)
        .sort((a, b) => a.localeCompare(b)),
    );
    for (const hash of Object.values(files)) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('counts every differing file as the user’s when the manifest is damaged or foreign, keeping a copy', async () => {
    for (const damaged of ['{ nope', '{"version":2,"files":{}}', '{"version":1}', '{"version":1,"files":"x"}', 'null']) {
      await rm(dir, { recursive: true, force: true });
      await writeLab(dir, seedLab());
      await writeFile(manifestFile(), damaged);
      const report = await writeLab(dir, resized(), { now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) });
      expect(
        report.keptUserCopies.map((c) => c.keptAs),
        damaged,
      ).toContain('Vagrantfile.user-2026-01-02T03-04-05-006Z');
    }
  });

  it('trusts a manifest only of its own version, even one that knows every file', async () => {
    await writeLab(dir, seedLab());
    const known = await manifest();
    await writeFile(manifestFile(), JSON.stringify({ ...known, version: 2 }));
    const report = await writeLab(dir, resized(), { now: new Date(0) });
    expect(report.keptUserCopies).toContainEqual({ name: 'Vagrantfile', keptAs: 'Vagrantfile.user-1970-01-01T00-00-00-000Z' });
  });

  it.skipIf(process.getuid?.() !== 0)('says which file it could not remove (an immutable file: chattr needs root)', async () => {
    await writeLab(dir, seedLab());
    const registry = path.join(dir, 'registry.yaml');
    expect((await runTool('chattr', ['+i', registry])).exitCode).toBe(0);
    try {
      await expect(writeLab(dir, { ...seedLab(), registry: { enabled: false } })).rejects.toMatchObject({
        code: 'io',
        message: `Could not remove ${registry}: permission denied.`,
      });
    } finally {
      await runTool('chattr', ['-i', registry]);
    }
  });

  it('previews a file it wrote and the user did not touch as changed, showing what is there', async () => {
    await writeLab(dir, seedLab());
    const preview = await previewLab(dir, resized());
    const vagrantfile = preview.files.find((f) => f.name === 'Vagrantfile')!;
    expect(vagrantfile.state).toBe('changed');
    expect(vagrantfile.current).toBe(await readFile(path.join(dir, 'Vagrantfile'), 'utf8'));
    const same = (await previewLab(dir, seedLab())).files.find((f) => f.name === 'Vagrantfile')!;
    expect([same.state, same.current]).toEqual(['unchanged', null]);
  });

  it('forgets a file it wrote that the user has since removed, removing nothing', async () => {
    const withRegistry = seedLab();
    await writeLab(dir, withRegistry);
    await rm(path.join(dir, 'registry.yaml'));
    const report = await writeLab(dir, { ...withRegistry, registry: { ...withRegistry.registry, enabled: false } });
    expect([report.removed, report.leftEdited]).toEqual([[], []]);
    expect(Object.keys((await manifest()).files)).not.toContain('registry.yaml');
  });

  it('refuses a device where a file goes, before anything changes', async () => {
    await writeLab(dir, seedLab());
    const before = await snapshot(dir);
    await rm(path.join(dir, 'Vagrantfile'));
    await symlink('/dev/null', path.join(dir, 'Vagrantfile'));
    delete before['Vagrantfile'];
    await expect(writeLab(dir, resized())).rejects.toMatchObject({
      code: 'io',
      message: `${path.join(dir, 'Vagrantfile')} is a symbolic link to /dev/null, not a plain file: Cluster Lab neither opens nor replaces it.`,
      hint: 'Move it out of the way (or, if it is yours, put a plain file there), then try again; or choose another folder.',
    });
    expect(await snapshot(dir)).toEqual(before);
  });

  it('says which folder it could not create', async () => {
    await mkdir(base, { recursive: true });
    await writeFile(path.join(base, 'file'), '');
    await expect(writeLab(path.join(base, 'file', 'lab'), seedLab())).rejects.toMatchObject({
      code: 'io',
      message: `Could not create ${path.join(base, 'file')}: a file stands where a folder should be.`,
    });
  });
});

describe('a folder that can not be written', () => {
  it('a file where the lab folder should be: a clear error, and the file is untouched', async () => {
    await writeFile(dir, 'not a folder');
    await expectAppError(writeLab(dir, seedLab()), 'io', /is a file, not a folder/);
    expect(await readFile(dir, 'utf8')).toBe('not a folder');
  });

  it('a file where shared/ should be: refused before any file is written', async () => {
    await mkdir(dir);
    await writeFile(path.join(dir, 'shared'), 'in the way');
    await expectAppError(writeLab(dir, seedLab()), 'io', /shared is a file, not a folder/);
    expect(await readdir(dir)).toEqual(['shared']);
  });

  it('a folder where a file goes: refused before the other files change', async () => {
    await writeLab(dir, seedLab());
    const before = await snapshot(dir);
    await rm(path.join(dir, 'registry.yaml'));
    await mkdir(path.join(dir, 'registry.yaml'));
    delete before['registry.yaml'];
    const error = await expectAppError(writeLab(dir, resized()), 'io', /registry\.yaml.*folder/);
    expect(error.message).toBe(`${path.join(dir, 'registry.yaml')} is a folder, not a plain file: Cluster Lab neither opens nor replaces it.`);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a parent that is a file: the error says so', async () => {
    await writeFile(path.join(base, 'plain'), '');
    await expectAppError(writeLab(path.join(base, 'plain', 'lab'), seedLab()), 'io', /a file stands where a folder should be|is a file/);
  });

  it('a folder that may not be written: permission denied, and the old lab intact', async () => {
    await writeLab(dir, seedLab());
    const before = await snapshot(dir);
    // Root ignores file modes, so as root the folder is made immutable (chattr +i), which stops root too.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) expect((await runTool('chattr', ['+i', dir])).exitCode).toBe(0);
    else await chmod(dir, 0o555);
    try {
      await expectAppError(writeLab(dir, resized()), 'io', /permission denied/);
    } finally {
      if (asRoot) await runTool('chattr', ['-i', dir]);
      else await chmod(dir, 0o755);
    }
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a full disk: a clear error, and the old lab intact', async (context) => {
    const small = path.join(base, 'small');
    await mkdir(small);
    const mounted = await runTool('mount', ['-t', 'tmpfs', '-o', 'size=24k', 'tmpfs', small]);
    if (mounted.exitCode !== 0) {
      console.log(`full-disk test skipped: mounting a small tmpfs needs root (${mounted.stderr.trim()})`);
      context.skip();
    }
    try {
      const labDir = path.join(small, 'lab');
      const tiny = { ...seedLab(), agents: [], registry: { enabled: false } };
      await writeLab(labDir, tiny);
      const before = await snapshot(labDir);
      // Fill the disk, then ask for a lab whose files no longer fit.
      await writeFile(path.join(small, 'filler'), Buffer.alloc(64 * 1024)).catch(() => {});
      await expectAppError(writeLab(labDir, seedLab()), 'io', /disk is full/);
      expect(await snapshot(labDir)).toEqual(before);
    } finally {
      await runTool('umount', [small]);
    }
  });
});

describe('the default lab folder', () => {
  it('is ~/ClusterLab/<name> under the context home, with a name safe for a path', () => {
    const ctx = createContext({ homeDir: '/home/ada' });
    expect(defaultLabDir(ctx, 'cluster-lab')).toBe('/home/ada/ClusterLab/cluster-lab');
    expect(defaultLabDir(ctx, '../../etc')).toBe('/home/ada/ClusterLab/etc');
    expect(defaultLabDir(ctx)).toBe('/home/ada/ClusterLab/cluster-lab');
    expect(defaultLabDir(ctx, '  My Lab!! (2) ')).toBe('/home/ada/ClusterLab/my-lab-2');
    expect(defaultLabDir(ctx, '--lab--')).toBe('/home/ada/ClusterLab/lab');
    expect(defaultLabDir(ctx, '!!!')).toBe('/home/ada/ClusterLab/cluster-lab');
  });

  it('takes ~ as the home folder and refuses a relative path, naming the field', () => {
    const ctx = createContext({ homeDir: '/home/ada' });
    expect(resolveLabDir(ctx, '~/labs/one/')).toBe('/home/ada/labs/one/');
    expect(resolveLabDir(ctx, ' /srv/lab ')).toBe('/srv/lab');
    expect(resolveLabDir(ctx, '~/lab')).toBe('/home/ada/lab');
    expect(resolveLabDir(ctx, '/srv/../srv/./lab')).toBe('/srv/lab');
    for (const relative of ['labs/one', '~ada/labs', './lab'])
      expect(() => resolveLabDir(ctx, relative), relative).toThrow(
        expect.objectContaining({
          code: 'invalid_input',
          message: `The lab folder "${relative}" is not a full path.`,
          hint: 'Give a full path such as /home/ada/ClusterLab/cluster-lab, or start it with ~/ for your home folder.',
          issues: [{ path: 'dir', message: 'Give a full path such as /home/ada/ClusterLab/cluster-lab, or start it with ~/.' }],
        }),
      );
  });
});

/**
 * A lab folder from a colleague or a repository, or one a guest reached, is hostile input: what it
 * holds can make Cluster Lab remove, write or read only the lab's own files, inside the folder.
 */
describe('a lab folder from elsewhere', () => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const manifestFile = () => path.join(dir, '.cluster-lab', 'written.json');
  const noRegistry = () => ({ ...seedLab(), registry: { enabled: false } });

  it('a manifest naming files outside the lab with their real hashes: nothing outside is removed, and each is said', async () => {
    // dir is base/lab, so ../victims is base/victims.
    const victims = path.join(base, 'victims');
    await mkdir(victims);
    const precious = path.join(victims, 'precious.txt');
    const absolute = path.join(victims, 'absolute.txt');
    await writeFile(precious, 'precious\n');
    await writeFile(absolute, 'absolute\n');
    await writeLab(dir, seedLab());
    const { files } = JSON.parse(await readFile(manifestFile(), 'utf8')) as { files: Record<string, string> };
    const planted = {
      ...files,
      '../victims/precious.txt': sha('precious\n'),
      '../../victims/precious.txt': sha('precious\n'),
      [absolute]: sha('absolute\n'),
      'shared/../../victims/precious.txt': sha('precious\n'),
      'notes.txt': sha(''),
    };
    await writeFile(path.join(dir, 'notes.txt'), '');
    await writeFile(manifestFile(), JSON.stringify({ version: 1, files: planted }));
    const report = await writeLab(dir, noRegistry());
    expect(await readFile(precious, 'utf8')).toBe('precious\n');
    expect(await readFile(absolute, 'utf8')).toBe('absolute\n');
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('');
    expect(report.removed).toEqual(['registry.yaml']);
    expect(report.ignored.map((i) => i.name).sort()).toEqual(
      ['../victims/precious.txt', '../../victims/precious.txt', absolute, 'shared/../../victims/precious.txt', 'notes.txt'].sort(),
    );
    expect(report.ignored[0]!.why).toBe('named in .cluster-lab/written.json, but not a file Cluster Lab writes: left alone');
    // What is kept is only what the renderer writes.
    expect(Object.keys(JSON.parse(await readFile(manifestFile(), 'utf8')).files)).toEqual(['lab.json', 'Vagrantfile']);
  });

  it('a manifest too large, or with a hash that is not one: refused or not believed, and said', async () => {
    await writeLab(dir, seedLab());
    await writeFile(manifestFile(), JSON.stringify({ version: 1, files: { Vagrantfile: 'x'.repeat(20_000) } }));
    await expectAppError(writeLab(dir, resized()), 'io', /written\.json is larger than 16384 bytes/);
    await writeFile(manifestFile(), JSON.stringify({ version: 1, files: { Vagrantfile: 'abc' } }));
    const report = await writeLab(dir, resized(), { now: new Date(0) });
    expect(report.ignored).toEqual([
      { name: 'Vagrantfile', why: 'its hash in .cluster-lab/written.json is not a sha256: kept as yours if it differs' },
    ]);
    expect(report.keptUserCopies).toContainEqual({ name: 'Vagrantfile', keptAs: 'Vagrantfile.user-1970-01-01T00-00-00-000Z' });
  });

  it('a generated file that is a link, even to a file beside it, is refused, and neither it nor its target changes', async () => {
    const elsewhere = path.join(base, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(path.join(elsewhere, 'Vagrantfile'), 'theirs\n');
    await writeLab(dir, seedLab());
    await rm(path.join(dir, 'Vagrantfile'));
    await symlink('../elsewhere/Vagrantfile', path.join(dir, 'Vagrantfile'));
    const message = `${path.join(dir, 'Vagrantfile')} is a symbolic link to ../elsewhere/Vagrantfile, not a plain file: Cluster Lab neither opens nor replaces it.`;
    await expect(writeLab(dir, resized())).rejects.toMatchObject({ code: 'io', message });
    // The preview does not show what the link leads to either.
    await expect(previewLab(dir, resized())).rejects.toMatchObject({ code: 'io', message });
    expect(await readFile(path.join(elsewhere, 'Vagrantfile'), 'utf8')).toBe('theirs\n');
    await rm(path.join(dir, 'Vagrantfile'));
    await symlink('lab.json', path.join(dir, 'Vagrantfile'));
    await expectAppError(writeLab(dir, resized()), 'io', /Vagrantfile is a symbolic link to lab\.json, not a plain file/);
  });

  it('a dangling link where a file goes is refused, not replaced by a plain file', async () => {
    await writeLab(dir, seedLab());
    await rm(path.join(dir, 'registry.yaml'));
    await symlink(path.join(base, 'gone'), path.join(dir, 'registry.yaml'));
    await expectAppError(writeLab(dir, resized()), 'io', new RegExp(`registry\\.yaml is a symbolic link to ${base}/gone \\(which does not exist\\)`));
    expect((await lstat(path.join(dir, 'registry.yaml'))).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(base, 'gone'))).toBe(false);
  });

  it('.cluster-lab, shared/ or logs/ as a link is refused before anything is written', async () => {
    const outside = path.join(base, 'outside');
    await mkdir(outside);
    for (const sub of ['.cluster-lab', 'shared', 'logs']) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      await symlink(outside, path.join(dir, sub));
      await expect(writeLab(dir, seedLab()), sub).rejects.toMatchObject({
        code: 'io',
        message: `${path.join(dir, sub)} is a symbolic link; Cluster Lab keeps the lab's folders inside the lab folder and does not follow it.`,
      });
      expect(await readdir(outside), sub).toEqual([]);
      expect(await readdir(dir), sub).toEqual([sub]);
    }
    // A lab written before the link appeared is not opened either, so no job hands the guests the link's target.
    await rm(dir, { recursive: true, force: true });
    await writeLab(dir, seedLab());
    await rm(path.join(dir, 'shared'), { recursive: true });
    await symlink(outside, path.join(dir, 'shared'));
    await expectAppError(openLab(dir), 'io', /shared is a symbolic link/);
  });

  it('the manifest may name exactly the files the renderer writes', () => {
    for (const lab of [seedLab(), noRegistry()]) for (const file of renderLab(lab)) expect(GENERATED_FILES.has(file.name), file.name).toBe(true);
    expect([...GENERATED_FILES].sort()).toEqual(
      renderLab(seedLab())
        .map((f) => f.name)
        .sort(),
    );
  });

  it('a FIFO where a file goes, or where the manifest is, is refused at once and never opened', async () => {
    await writeLab(dir, seedLab());
    await rm(path.join(dir, 'Vagrantfile'));
    expect((await runTool('mkfifo', [path.join(dir, 'Vagrantfile')])).exitCode).toBe(0);
    await expectAppError(writeLab(dir, resized()), 'io', /Vagrantfile is a FIFO \(named pipe\), not a plain file/);
    await expectAppError(previewLab(dir, resized()), 'io', /Vagrantfile is a FIFO/);
    await rm(path.join(dir, 'Vagrantfile'));
    await rm(manifestFile());
    expect((await runTool('mkfifo', [manifestFile()])).exitCode).toBe(0);
    await expectAppError(writeLab(dir, resized()), 'io', /written\.json is a FIFO/);
  });

  it('a read-only generated file is refused when it would change, naming it and what to do; kept when it would not', async () => {
    await writeLab(dir, seedLab());
    const vagrantfile = path.join(dir, 'Vagrantfile');
    const before = await readFile(vagrantfile, 'utf8');
    await chmod(vagrantfile, 0o444);
    expect((await writeLab(dir, seedLab())).unchanged).toContain('Vagrantfile');
    const error = await expectAppError(writeLab(dir, resized()), 'io', /read-only/);
    expect(error.message).toBe(`Could not write the lab: ${vagrantfile} is read-only (mode 0444), so Cluster Lab leaves it as it is.`);
    expect(error.hint).toBe(
      `To let Cluster Lab write it, make it writable (chmod u+w ${vagrantfile}) and write the lab again; to keep it, choose another lab folder.`,
    );
    expect(await readFile(vagrantfile, 'utf8')).toBe(before);
    expect(JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8'))).toEqual(seedLab());
  });

  it('lab.json is opened only as a plain file of a bounded size, never through a link', async () => {
    await writeLab(dir, seedLab());
    const labJson = path.join(dir, 'lab.json');
    await writeFile(path.join(base, 'other.json'), await readFile(labJson));
    await rm(labJson);
    await symlink(path.join(base, 'other.json'), labJson);
    await expectAppError(openLab(dir), 'io', /lab\.json is a symbolic link to .*other\.json, not a plain file/);
    await rm(labJson);
    expect((await runTool('mkfifo', [labJson])).exitCode).toBe(0);
    await expectAppError(openLab(dir), 'io', /lab\.json is a FIFO/);
    await rm(labJson);
    await writeFile(labJson, `${JSON.stringify(seedLab())}${' '.repeat(300 * 1024)}`);
    await expectAppError(openLab(dir), 'io', /lab\.json is larger than 262144 bytes/);
  });
});

describe('folders that are never a lab', () => {
  const ctx = createContext({ homeDir: '/home/ada' });

  it('the root, the home folder itself, and anything in /proc, /sys or /dev are refused, naming the field', () => {
    for (const [dir, why] of [
      ['/', 'the root of the file system'],
      ['~', 'your home folder itself'],
      ['~/', 'your home folder itself'],
      ['/home/ada/', 'your home folder itself'],
      ['/proc', 'inside /proc, a view of the kernel, not a folder for files'],
      ['/proc/cluster-lab/lab', 'inside /proc, a view of the kernel, not a folder for files'],
      ['/sys/lab', 'inside /sys, a view of the kernel, not a folder for files'],
      ['/dev/shm/lab', 'inside /dev, a view of the kernel, not a folder for files'],
    ] as const) {
      expect(() => resolveLabDir(ctx, dir), dir).toThrow(
        expect.objectContaining({
          code: 'invalid_input',
          message: expect.stringContaining(`is ${why}: a lab needs a folder of its own.`),
          hint: 'Choose a folder for this lab alone, such as /home/ada/ClusterLab/cluster-lab.',
          issues: [{ path: 'dir', message: 'Choose a folder for this lab alone, such as /home/ada/ClusterLab/cluster-lab.' }],
        }),
      );
    }
    for (const fine of ['/process/lab', '/devices', '/home/ada/lab', '/home/adam']) expect(resolveLabDir(ctx, fine)).toBe(fine);
  });

  it("the app's own folders (data folder, k3s cache), in or above them, are refused naming the folder", () => {
    const plain = createContext({ homeDir: '/home/ada', env: {}, platform: 'linux' });
    const xdg = createContext({ homeDir: '/home/ada', env: { XDG_CONFIG_HOME: '/srv/conf', XDG_CACHE_HOME: '/srv/cache' }, platform: 'linux' });
    for (const [context, dir, why] of [
      [plain, '/home/ada/.config/Cluster Lab', "inside /home/ada/.config/Cluster Lab, Cluster Lab's own folder"],
      [plain, '~/.config/Cluster Lab/labs/one', "inside /home/ada/.config/Cluster Lab, Cluster Lab's own folder"],
      [plain, '~/.config', "above /home/ada/.config/Cluster Lab, Cluster Lab's own folder, which it holds"],
      [plain, '~/.cache/cluster-lab/k3s', "inside /home/ada/.cache/cluster-lab, Cluster Lab's own folder"],
      [plain, '/home', "above /home/ada/.config/Cluster Lab, Cluster Lab's own folder, which it holds"],
      [xdg, '/srv/conf/Cluster Lab/x', "inside /srv/conf/Cluster Lab, Cluster Lab's own folder"],
      [xdg, '/srv/cache', "above /srv/cache/cluster-lab, Cluster Lab's own folder, which it holds"],
    ] as const) {
      expect(() => resolveLabDir(context, dir), dir).toThrow(
        expect.objectContaining({
          code: 'invalid_input',
          message: expect.stringContaining(`is ${why}: a lab needs a folder of its own.`),
          hint: 'Choose a folder for this lab alone, such as /home/ada/ClusterLab/cluster-lab.',
        }),
      );
    }
    for (const fine of ['/home/ada/.config/Cluster Lab 2', '/home/ada/.config-lab', '/home/ada/.cache/other', '/srv/conf/lab'])
      expect(resolveLabDir(plain, fine)).toBe(fine);
  });

  it("writeLab refuses the app's own folder through a link too, writing nothing", async () => {
    const own = path.join(base, 'data', 'Cluster Lab');
    await mkdir(own, { recursive: true });
    await symlink(path.join(base, 'data'), path.join(base, 'data-link'));
    await expectAppError(
      writeLab(path.join(base, 'data-link', 'Cluster Lab', 'lab'), seedLab(), { ownFolders: [own] }),
      'invalid_input',
      /inside .*Cluster Lab's own folder/,
    );
    await expectAppError(writeLab(path.join(base, 'data-link'), seedLab(), { ownFolders: [own] }), 'invalid_input', /above .*which it holds/);
    expect(await readdir(own)).toEqual([]);
  });

  it('a lab under /proc is refused up front, also through a link, instead of spinning in mkdir', async () => {
    await expectAppError(writeLab('/proc/cluster-lab-test/lab', seedLab()), 'invalid_input', /inside \/proc/);
    await mkdir(base, { recursive: true });
    await symlink('/proc/self', path.join(base, 'proc-link'));
    await expectAppError(writeLab(path.join(base, 'proc-link', 'lab'), seedLab()), 'invalid_input', /inside \/proc/);
  });
});

describe('temp files of a write killed mid-way', () => {
  it('the next write removes its own leftovers, never a link or a file it did not make', async () => {
    await writeLab(dir, seedLab());
    const outside = path.join(base, 'outside.txt');
    await writeFile(outside, 'keep me');
    await writeFile(path.join(dir, '.Vagrantfile.0123456789ab.tmp'), 'half a Vagrantfile');
    await symlink(outside, path.join(dir, '.lab.json.aaaaaaaaaaaa.tmp'));
    await writeFile(path.join(dir, '.notes.txt.0123456789ab.tmp'), 'the user’s');
    await writeLab(dir, seedLab());
    const left = await readdir(dir);
    expect(left).not.toContain('.Vagrantfile.0123456789ab.tmp');
    expect(left).toContain('.lab.json.aaaaaaaaaaaa.tmp');
    expect(left).toContain('.notes.txt.0123456789ab.tmp');
    expect(await readFile(outside, 'utf8')).toBe('keep me');
  });
});
