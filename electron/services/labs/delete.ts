/**
 * Delete a lab's folder, once nothing of it runs: only after Destroy (no VM of it exists) and with
 * no job or write on it (its lock, taken here). Only what Cluster Lab and the lab's own runs made is
 * removed, each by a name this module knows (never one the folder names on its own say-so: the
 * manifest is believed only for the generated files it may name, and only where the file is still
 * exactly what was written). Anything else in the folder (a file the user edited or added, a copy
 * kept as `<name>.user-<time>`, a link) stops the whole deletion before anything is removed, naming it.
 */
import { readdir, rm, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { PLACED_K3S_SUMS_FILE, SHARED_K3S } from '../../../shared/render/vagrantfile';
import type { DeleteFolderReport } from '../../../shared/labs';
import type { ServiceContext } from '../context';
import { atomicTempOf, ioError, lstatIfAny, readPlainFile } from '../files';
import { LOCK_FILE, withLabLock } from '../jobs/lock';
import { isK3sVersion, K3S_ARCHES, releaseFiles } from '../k3s/cache';
import { parseLogFileName } from '../jobs/logNames';
import { LAB_KUBECONFIG } from '../kubectl';
import { existingMachines, GENERATED_FILES, MANIFEST, readManifest, sha256, STATE_DIR } from '../labFolder';
import { RECORDED_FILE } from './recorded';
import { forgetLab } from './registry';

/** What the guests leave in shared/ (shared/render/vagrantfile.ts: the server's token, k3s.yaml, registries.yaml). */
const GUEST_FILES: ReadonlySet<string> = new Set(['token', 'k3s.yaml', '.k3s.yaml.tmp', 'registries.yaml']);
/** Cluster Lab's own bookkeeping in .cluster-lab/. */
const STATE_FILES: ReadonlySet<string> = new Set([path.basename(MANIFEST), path.basename(RECORDED_FILE), PLACED_K3S_SUMS_FILE]);
/** A generated file is compared by its hash: read within the renderer's largest output, and some. */
const GENERATED_MAX_BYTES = 4 * 1024 * 1024;

interface Plan {
  /** Plain files, relative to the lab folder. */
  files: string[];
  /** The folders those are in, deepest first: removed once empty. */
  folders: string[];
  /** Vagrant's `.vagrant` (only when no VM id is in it), removed whole without following links. */
  vagrantData: boolean;
  /** What is not ours to remove. */
  left: string[];
}

const isFile = async (file: string) => (await lstatIfAny(file))?.isFile() ?? false;
const isFolder = async (file: string) => (await lstatIfAny(file))?.isDirectory() ?? false;

/** Which entries of a folder are ours: plain files by name, and folders of ours with their own rules. */
interface Rules {
  files: (name: string) => boolean;
  folders?: (name: string) => Rules | null;
}

/** A release's files as Up places them in `shared/k3s/<version>/` (k3s/place.ts), either architecture, and the temps of a placing cut short. */
const K3S_RELEASE_FILES: ReadonlySet<string> = new Set(K3S_ARCHES.flatMap((arch) => releaseFiles(arch, true)));
const k3sRelease: Rules = { files: (name) => K3S_RELEASE_FILES.has(atomicTempOf(name) ?? name) };
const sharedRules: Rules = {
  files: (name) => GUEST_FILES.has(name),
  folders: (name) => (name === SHARED_K3S ? { files: () => false, folders: (v) => (isK3sVersion(v) ? k3sRelease : null) } : null),
};

/** The entries of `sub/` that `rules` accept, the rest as left; a link or anything else at `sub` is left whole. */
async function planFolder(root: string, sub: string, rules: Rules, plan: Plan): Promise<void> {
  const folder = path.join(root, sub);
  if (!(await isFolder(folder))) {
    plan.left.push(sub);
    return;
  }
  for (const name of (await readdir(folder)).sort()) {
    const relative = path.join(sub, name);
    const inner = rules.folders?.(name);
    if (inner) await planFolder(root, relative, inner, plan);
    else if (rules.files(name) && (await isFile(path.join(root, relative)))) plan.files.push(relative);
    else plan.left.push(relative);
  }
  plan.folders.push(sub);
}

/** The generated file a `<name>.user-<time>` copy keeps the user's version of (labFolder.ts writeLab), or null. */
function keptCopyOf(name: string): string | null {
  const generated = /^(.+)\.user-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/.exec(name)?.[1];
  return generated !== undefined && GENERATED_FILES.has(generated) ? generated : null;
}

async function planDeletion(root: string): Promise<Plan> {
  const plan: Plan = { files: [], folders: [], vagrantData: false, left: [] };
  const manifest = await readManifest(root).catch(() => ({ files: {} as Record<string, string> }));
  for (const name of (await readdir(root)).sort()) {
    const file = path.join(root, name);
    if (name === LOCK_FILE) continue;
    if (GENERATED_FILES.has(name)) {
      const written = manifest.files[name];
      const text = (await isFile(file)) ? await readPlainFile(file, { maxBytes: GENERATED_MAX_BYTES }).catch(() => null) : null;
      if (written !== undefined && text !== null && sha256(text) === written) plan.files.push(name);
      else plan.left.push(`${name} (not as Cluster Lab wrote it)`);
    } else if (name === LAB_KUBECONFIG && (await isFile(file))) plan.files.push(name);
    else if (name === 'logs') await planFolder(root, name, { files: (entry) => parseLogFileName(entry) !== null }, plan);
    else if (name === 'shared') await planFolder(root, name, sharedRules, plan);
    else if (name === STATE_DIR) await planFolder(root, name, { files: (entry) => STATE_FILES.has(atomicTempOf(entry) ?? entry) }, plan);
    else if (name === '.vagrant' && (await isFolder(file))) plan.vagrantData = true;
    else {
      const kept = keptCopyOf(name);
      plan.left.push(kept ? `${name} (your earlier ${kept}, kept when the lab was written again)` : name);
    }
  }
  return plan;
}

/** The list of what is left, for a person: the first ten and how many more. */
const named = (left: string[]) => (left.length > 10 ? `${left.slice(0, 10).join(', ')} and ${left.length - 10} more` : left.join(', '));

export async function deleteLabFolder(ctx: ServiceContext, dir: string): Promise<DeleteFolderReport> {
  const found = await lstatIfAny(dir);
  if (!found?.isDirectory())
    throw new AppError(
      'not_found',
      `${dir} is ${found ? 'not a folder (a link or a file): Cluster Lab does not follow it' : 'not there'}; nothing was deleted.`,
      {
        hint: 'Forget the lab instead: that removes it from Your labs and leaves the disk as it is.',
      },
    );
  const removed: string[] = [];
  // Under the lab's lock: no job starts and nothing is written while the VMs are looked for and the files go.
  await withLabLock(dir, async () => {
    const vms = await existingMachines(dir);
    if (vms.length)
      throw new AppError('conflict', `The lab in ${dir} still has VM${vms.length === 1 ? '' : 's'} ${vms.join(', ')}; nothing was deleted.`, {
        hint: `Destroy the lab first (Destroy on the Run step, or cluster-lab destroy --dir ${dir}): deleting its folder would leave the VMs where nothing can reach them.`,
      });
    const plan = await planDeletion(dir);
    if (plan.left.length)
      throw new AppError('conflict', `${dir} holds what is not Cluster Lab's to delete: ${named(plan.left)}; nothing was deleted.`, {
        hint: 'Move those out of the folder (they may be yours: edited files and kept copies are), then delete it again; or Forget the lab and delete the folder yourself.',
      });
    for (const file of plan.files) {
      await unlink(path.join(dir, file)).catch((error: unknown) => {
        throw ioError(error, path.join(dir, file), 'remove');
      });
      removed.push(file);
    }
    if (plan.vagrantData) {
      // rm without following links: a link inside .vagrant goes, never what it points to.
      await rm(path.join(dir, '.vagrant'), { recursive: true, force: true });
      removed.push('.vagrant');
    }
    // rmdir, never rm -r: a folder something appeared in since the plan stays, with it.
    for (const sub of plan.folders)
      if (
        await rmdir(path.join(dir, sub)).then(
          () => true,
          () => false,
        )
      )
        removed.push(`${sub}/`);
  });
  const folderRemoved = await rmdir(dir).then(
    () => true,
    () => false,
  );
  await forgetLab(ctx, dir);
  return { dir, removed, folderRemoved };
}
