import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../fixtures/tmp';
import { seedLab } from '../../shared/render/testing';
import { createContext } from './context';
import { refuseVmsOfAnotherFolder, vmsOfAnotherFolder } from './copiedVms';
import { LabRunner } from './jobs';
import { writeLab } from './labFolder';

const tempDir = tempDirs('copied-vms');

/** A lab whose server VM exists, recorded as Vagrant 2.3.4 records it: its id and the folder it was made in. */
async function labWithVm(home: string, name: string, id = '5a1e-server-uuid'): Promise<string> {
  const dir = path.join(home, name);
  await writeLab(dir, seedLab());
  const record = path.join(dir, '.vagrant', 'machines', 'server', 'virtualbox');
  await mkdir(record, { recursive: true });
  await writeFile(path.join(record, 'id'), id);
  await writeFile(path.join(record, 'vagrant_cwd'), dir);
  return dir;
}

describe('a lab folder copied from another', () => {
  it("refuses a job on the copy, whose .vagrant names the original's VMs, before any vagrant runs", async () => {
    const home = await tempDir();
    const original = await labWithVm(home, 'original');
    const copy = path.join(home, 'copy');
    await cp(original, copy, { recursive: true });
    expect(await vmsOfAnotherFolder(original)).toEqual([]);
    expect(await vmsOfAnotherFolder(copy)).toEqual([{ machine: 'server', folder: original }]);
    const runner = new LabRunner(createContext({ env: { PATH: '/nonexistent' }, homeDir: home }));
    await expect(runner.start(copy, 'destroy')).rejects.toMatchObject({
      code: 'conflict',
      message: `${path.join(copy, '.vagrant')} records server as the VM of ${original}: this folder looks like a copy of that lab, and a job here would act on its VMs (Destroy would destroy them).`,
      hint: `Run jobs on that lab in ${original}. To make this folder a lab of its own, remove ${path.join(copy, '.vagrant')} (the VMs stay with ${original}), then Up.`,
    });
    // Without the copied records it is a lab of its own.
    await rm(path.join(copy, '.vagrant'), { recursive: true });
    await expect(refuseVmsOfAnotherFolder(copy)).resolves.toBeUndefined();
  });

  it('keeps the VMs of a folder that was moved, and of one whose original now has other VMs', async () => {
    const home = await tempDir();
    const before = await labWithVm(home, 'before');
    const copy = path.join(home, 'copy');
    await cp(before, copy, { recursive: true });
    // The original made new VMs since: the copy's records name VMs nobody else claims.
    await writeFile(path.join(before, '.vagrant', 'machines', 'server', 'virtualbox', 'id'), 'another-uuid');
    expect(await vmsOfAnotherFolder(copy)).toEqual([]);
    // Moved: nothing is left where the VMs were made.
    const moved = await labWithVm(home, 'moved-from');
    await rename(moved, path.join(home, 'moved-to'));
    expect(await vmsOfAnotherFolder(path.join(home, 'moved-to'))).toEqual([]);
  });

  it('reads what the folder records strictly: a relative path or a record larger than Vagrant writes names no other folder', async () => {
    const home = await tempDir();
    const original = await labWithVm(home, 'original');
    const copy = path.join(home, 'copy');
    await cp(original, copy, { recursive: true });
    const cwd = path.join(copy, '.vagrant', 'machines', 'server', 'virtualbox', 'vagrant_cwd');
    await writeFile(cwd, path.relative(copy, original));
    expect(await vmsOfAnotherFolder(copy)).toEqual([]);
    await writeFile(cwd, `${original}${' '.repeat(9000)}`);
    expect(await vmsOfAnotherFolder(copy)).toEqual([]);
  });
});
