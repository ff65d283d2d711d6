/**
 * A lab folder copied from another keeps that lab's `.vagrant/`: its machines' ids are the other
 * folder's VMs. Vagrant only warns that the folder "moved" and then acts on them (vagrant 2.3.4
 * lib/vagrant/machine.rb, check_cwd: the machine's `vagrant_cwd` is another folder), so Destroy in
 * the copy would destroy the original lab's VMs. A machine recorded from another folder that is
 * still there and still records the same VM is that folder's; a folder that was moved (nothing left
 * at the old place) keeps its VMs.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { readPlainFile } from './files';
import { existingMachines } from './labFolder';

/** A VirtualBox UUID, or a path of a few KiB: anything larger is not Vagrant's. */
const RECORD_MAX_BYTES = 8 * 1024;

const record = (root: string, machine: string, file: string) => path.join(root, '.vagrant', 'machines', machine, 'virtualbox', file);

/** The file's trimmed text, or null when it is missing, not a plain file, or too large (the folder may come from anyone). */
const readRecord = (file: string) =>
  readPlainFile(file, { maxBytes: RECORD_MAX_BYTES }).then(
    (text) => text?.trim() || null,
    () => null,
  );

const realOrNull = (dir: string) => realpath(dir).catch(() => null);

/** The machines of lab `root` whose VMs another lab folder, still there, records as its own. */
export async function vmsOfAnotherFolder(root: string): Promise<{ machine: string; folder: string }[]> {
  const here = await realOrNull(root);
  const found: { machine: string; folder: string }[] = [];
  for (const machine of await existingMachines(root)) {
    const recordedCwd = await readRecord(record(root, machine, 'vagrant_cwd'));
    if (!recordedCwd || !path.isAbsolute(recordedCwd)) continue;
    const there = await realOrNull(recordedCwd);
    if (!there || there === here) continue;
    const id = await readRecord(record(root, machine, 'id'));
    if (id && (await readRecord(record(there, machine, 'id'))) === id) found.push({ machine, folder: there });
  }
  return found;
}

/** Refuse a job on lab `root` while its machines are another lab folder's VMs. */
export async function refuseVmsOfAnotherFolder(root: string): Promise<void> {
  const found = await vmsOfAnotherFolder(root);
  if (found.length === 0) return;
  const folder = found[0]!.folder;
  const machines = found.map((f) => f.machine).join(', ');
  throw new AppError(
    'conflict',
    `${path.join(root, '.vagrant')} records ${machines} as the VM${found.length === 1 ? '' : 's'} of ${folder}: this folder looks like a copy of that lab, and a job here would act on its VMs (Destroy would destroy them).`,
    {
      hint: `Run jobs on that lab in ${folder}. To make this folder a lab of its own, remove ${path.join(root, '.vagrant')} (the VMs stay with ${folder}), then Up.`,
    },
  );
}
