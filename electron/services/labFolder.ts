/**
 * The lab folder on disk: lab.json (the LabConfig), the rendered files, shared/ (the synced folder)
 * and logs/. What was written is remembered as hashes in `.cluster-lab/written.json`, so a file the
 * user changed since can be told apart from one Cluster Lab wrote, and kept rather than lost.
 */
import { createHash } from 'node:crypto';
import { readdir, realpath, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import type { FilePreview, FileState, LabPreview, WriteReport } from '../../shared/lab/files';
import { labMachines } from '../../shared/lab/machines';
import { assertLab, LAB_SCHEMA_VERSION, type LabConfig } from '../../shared/lab/schema';
import { LAB_JSON, REGISTRY_MANIFEST, renderLab, VAGRANTFILE } from '../../shared/render';
import { LAB_STATE_DIR } from '../../shared/render/vagrantfile';
import { appOwnFolders } from './appFolders';
import type { ServiceContext } from './context';
import { atomicWrite, ioError, lstatIfAny, makeFolders, notAPlainFile, readPlainFile, sweepAtomicTemps } from './files';
import { LOCK_FILE } from './jobs/lock';

/** Cluster Lab's own bookkeeping inside a lab folder. */
export const STATE_DIR = LAB_STATE_DIR;
export const MANIFEST = path.join(STATE_DIR, 'written.json');
/** Folders a lab needs besides its files: the synced folder and the job logs. */
export const LAB_DIRS = ['shared', 'logs'] as const;

/**
 * Every name the renderer writes: all a manifest may name. A lab folder can come from anyone, so
 * its manifest is hostile input, and a name outside this set (`../../x`, `/etc/x`) is never touched.
 */
export const GENERATED_FILES: ReadonlySet<string> = new Set([VAGRANTFILE, REGISTRY_MANIFEST, LAB_JSON]);
/** Far more than three names and hashes, far less than anything that could hurt to read. */
const MANIFEST_MAX_BYTES = 16 * 1024;
/** A lab.json with the most agents is about 10 KiB. */
const LAB_JSON_MAX_BYTES = 256 * 1024;
/** A generated file the user may have edited is read to compare it, and kept: bounded all the same. */
const GENERATED_MAX_BYTES = 4 * 1024 * 1024;

export interface WrittenManifest {
  version: 1;
  /** File name -> sha256 of the bytes Cluster Lab last wrote there. */
  files: Record<string, string>;
  /** What in the manifest on disk was not believed, and why: said in the write's report. */
  ignored: { name: string; why: string }[];
}

/** Read and validate a lab folder's lab.json: a clear error for a missing, foreign or invalid file. */
export async function openLab(dir: string): Promise<LabConfig> {
  const file = path.join(dir, LAB_JSON);
  const json = await readLabJson(file, dir);
  // Opened to run a job too: the guests must not be handed a shared/ that leads out of the lab.
  await refuseLinkedFolders(dir);
  return refuseUnknownFields(json, assertLab(json), file);
}

/** Dotted paths present in `raw` that the schema dropped from `parsed` (array items count as `agents.0.`). */
function unknownFields(raw: unknown, parsed: unknown, prefix = ''): string[] {
  if (typeof raw !== 'object' || raw === null) return [];
  // `parsed` is the schema's reading of `raw`: where `raw` holds an object or an array, so does it.
  const known = parsed as Record<string, unknown>;
  return Object.entries(raw).flatMap(([key, value]) =>
    Object.hasOwn(known, key) ? unknownFields(value, known[key], `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/**
 * A field this version does not know would silently vanish on the next write: refuse it instead,
 * so a lab from a newer Cluster Lab, or a typo made by hand, is noticed.
 */
export function refuseUnknownFields(raw: unknown, config: LabConfig, file: string): LabConfig {
  const unknown = unknownFields(raw, config);
  if (unknown.length === 0) return config;
  throw new AppError('invalid_input', `${file} has field${unknown.length === 1 ? '' : 's'} this Cluster Lab does not know: ${unknown.join(', ')}.`, {
    hint: 'Remove or correct them (a typo?), or update Cluster Lab if the lab was written by a newer one.',
    issues: unknown.map((field) => ({ path: field, message: `Unknown field ${field}: remove it or correct its name.` })),
  });
}

/**
 * A lab.json wherever it is, parsed and of this schema version but not yet validated, so
 * `cluster-lab render --config` can apply its flags first; `dir` is the lab folder it was looked for in.
 */
export async function readLabJson(file: string, dir?: string): Promise<unknown> {
  // A file named on the command line may be a link the user made; the one in a lab folder is read
  // as it stands, never through a link out of the folder.
  const place = dir === undefined ? await realpath(file).catch(() => file) : file;
  const text = await readPlainFile(place, { maxBytes: LAB_JSON_MAX_BYTES });
  if (text === null) {
    if (dir === undefined)
      throw new AppError('not_found', `There is no lab file at ${file}.`, { hint: 'Give the path of a lab.json that Cluster Lab wrote.' });
    throw new AppError('not_found', `${dir} is not a Cluster Lab folder: it has no ${LAB_JSON}.`, {
      hint: 'Choose the folder a lab was written to, or write a new lab from the Review step (or `cluster-lab render`).',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError('invalid_input', `${file} is not valid JSON: ${(error as Error).message}.`, {
      hint: 'Fix the file by hand, or write the lab again from the wizard.',
    });
  }
  const version = (json as { schemaVersion?: unknown })?.schemaVersion;
  if (version !== LAB_SCHEMA_VERSION) {
    throw new AppError(
      'invalid_input',
      `${file} has schema version ${JSON.stringify(version)}; this Cluster Lab reads version ${LAB_SCHEMA_VERSION}.`,
      {
        hint:
          typeof version === 'number' && version > LAB_SCHEMA_VERSION
            ? 'Update Cluster Lab to open this lab.'
            : 'Write the lab again from the wizard.',
      },
    );
  }
  return json;
}

/** Where a new lab goes unless the user picks another folder: ~/ClusterLab/<name>. */
export function defaultLabDir(ctx: Pick<ServiceContext, 'homeDir'>, name = 'cluster-lab'): string {
  const safe =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'cluster-lab';
  return path.join(ctx.homeDir, 'ClusterLab', safe);
}

/**
 * A lab folder as a person types it: `~` is their home; anything else must be a full path, since
 * the app's own working folder means nothing to them.
 */
export function resolveLabDir(ctx: ServiceContext, dir: string): string {
  const trimmed = dir.trim();
  let resolved: string;
  if (trimmed === '~' || trimmed.startsWith('~/')) resolved = path.join(ctx.homeDir, trimmed.slice(1));
  else if (path.isAbsolute(trimmed)) resolved = path.normalize(trimmed);
  else
    throw new AppError('invalid_input', `The lab folder "${dir}" is not a full path.`, {
      hint: `Give a full path such as ${defaultLabDir(ctx)}, or start it with ~/ for your home folder.`,
      issues: [{ path: 'dir', message: `Give a full path such as ${defaultLabDir(ctx)}, or start it with ~/.` }],
    });
  refuseLabFolder(resolved, ctx);
  return resolved;
}

/** Kernel file systems: nothing there is a folder of files (mkdir in /proc even answers ENOENT). */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];

/** Whether `inner` is `outer` or inside it (both normalized, absolute). */
function within(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

type FolderContext = Pick<ServiceContext, 'homeDir' | 'platform' | 'env'>;

/**
 * Folders that can never be a lab: the file system's root, the home folder itself (a lab's files
 * and its `shared/` would sit among everything else there), the kernel's /proc, /sys and /dev, and
 * the app's own folders (its data folder with the registry of labs, the k3s cache), in or above them:
 * a lab's takeover check, its `logs/` and a later Delete would reach the app's own files.
 */
function refuseLabFolder(
  dir: string,
  ctx: FolderContext | null,
  ownFolders: readonly string[] = ctx ? appOwnFolders(ctx.platform, ctx.env, ctx.homeDir) : [],
): void {
  const bare = dir.length > 1 ? dir.replace(/[\\/]+$/, '') : dir;
  const system = path.sep === '/' ? SYSTEM_FOLDERS.find((folder) => bare === folder || bare.startsWith(`${folder}/`)) : undefined;
  const own = ownFolders.map((folder) => path.normalize(folder)).find((folder) => within(bare, folder) || within(folder, bare));
  let why: string | null = null;
  if (path.parse(dir).root === dir) why = 'the root of the file system';
  else if (ctx && bare === path.normalize(ctx.homeDir).replace(/[\\/]+$/, '')) why = 'your home folder itself';
  else if (system) why = `inside ${system}, a view of the kernel, not a folder for files`;
  else if (own) why = within(bare, own) ? `inside ${own}, Cluster Lab's own folder` : `above ${own}, Cluster Lab's own folder, which it holds`;
  if (why === null) return;
  const example = ctx ? defaultLabDir(ctx) : '~/ClusterLab/cluster-lab';
  throw new AppError('invalid_input', `The lab folder ${dir} is ${why}: a lab needs a folder of its own.`, {
    hint: `Choose a folder for this lab alone, such as ${example}.`,
    issues: [{ path: 'dir', message: `Choose a folder for this lab alone, such as ${example}.` }],
  });
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The manifest's one parser. A damaged, foreign or other-version manifest only loses the memory of
 * what was written: every differing file then counts as the user's and is kept, which loses
 * nothing. An entry naming anything but a generated file is dropped, never unlinked nor written.
 */
export function parseManifest(text: string): WrittenManifest {
  const forgotten = (why: string): WrittenManifest => ({ version: 1, files: {}, ignored: [{ name: MANIFEST, why }] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return forgotten('not valid JSON; every file that differs is kept as yours');
  }
  const { version, files } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (version !== 1) return forgotten(`version ${JSON.stringify(version) ?? 'missing'}, not 1; every file that differs is kept as yours`);
  if (typeof files !== 'object' || files === null || Array.isArray(files))
    return forgotten('no list of files; every file that differs is kept as yours');
  const manifest: WrittenManifest = { version: 1, files: {}, ignored: [] };
  for (const [name, hash] of Object.entries(files)) {
    if (!GENERATED_FILES.has(name)) manifest.ignored.push({ name, why: `named in ${MANIFEST}, but not a file Cluster Lab writes: left alone` });
    else if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
      manifest.ignored.push({ name, why: `its hash in ${MANIFEST} is not a sha256: kept as yours if it differs` });
    else manifest.files[name] = hash;
  }
  return manifest;
}

export async function readManifest(dir: string): Promise<WrittenManifest> {
  const text = await readPlainFile(path.join(dir, MANIFEST), { maxBytes: MANIFEST_MAX_BYTES });
  return text === null ? { version: 1, files: {}, ignored: [] } : parseManifest(text);
}

/**
 * A generated file's text, or null when there is none. Anything but a plain file there (a link,
 * even one inside the folder, a FIFO, a device, a folder) is refused, never followed or opened.
 */
async function readGenerated(dir: string, name: string): Promise<string | null> {
  return readPlainFile(path.join(dir, name), { maxBytes: GENERATED_MAX_BYTES });
}

function fileState(content: string, current: string | null, writtenHash: string | undefined): FileState {
  if (current === null) return 'new';
  if (current === content) return 'unchanged';
  return writtenHash === sha256(current) ? 'changed' : 'user-edited';
}

async function previewIn(dir: string | null, config: LabConfig): Promise<{ files: FilePreview[]; manifest: WrittenManifest }> {
  if (dir) await refuseLinkedFolders(dir);
  const manifest = dir ? await readManifest(dir) : { version: 1 as const, files: {}, ignored: [] };
  const files: FilePreview[] = [];
  for (const file of renderLab(config)) {
    const current = dir ? await readGenerated(dir, file.name) : null;
    const state = fileState(file.content, current, manifest.files[file.name]);
    files.push({ ...file, state, current: state === 'unchanged' ? null : current });
  }
  return { files, manifest };
}

/** The files as they would be written to `dir` (or to a folder not chosen yet), each with its state. */
export async function previewLab(dir: string | null, input: unknown): Promise<LabPreview> {
  const config = assertLab(input);
  const { files } = await previewIn(dir, config);
  return { dir, files };
}

/** Something other than a folder where the lab needs one: found before any file changes. */
async function refuseNonFolder(folder: string): Promise<void> {
  const existing = await stat(folder).catch(() => null);
  if (existing && !existing.isDirectory()) {
    throw new AppError('io', `Could not write the lab: ${folder} is a file, not a folder.`, {
      hint: 'Choose another lab folder, or move that file away.',
    });
  }
}

/**
 * The lab's own folders (shared/, logs/, .cluster-lab/) are folders in it, never links: a
 * `shared -> ~` from a folder someone sent would hand the guests the home folder (Vagrant syncs
 * where the link leads), a linked logs/ would put job logs there, and a linked .cluster-lab would
 * write the manifest elsewhere.
 */
async function refuseLinkedFolder(folder: string): Promise<void> {
  const found = await lstatIfAny(folder);
  if (found?.isSymbolicLink())
    throw new AppError('io', `${folder} is a symbolic link; Cluster Lab keeps the lab's folders inside the lab folder and does not follow it.`, {
      hint: `Remove the link (the folder it points to stays as it is), then write the lab again.`,
    });
}

/** Every folder of the lab's own, checked before the lab is opened or written. */
async function refuseLinkedFolders(root: string): Promise<void> {
  for (const sub of [...LAB_DIRS, STATE_DIR]) await refuseLinkedFolder(path.join(root, sub));
}

/**
 * A generated file someone made read-only is theirs to guard: it is refused rather than silently
 * replaced (a rename would replace it, since that needs only the folder to be writable).
 */
function refuseReadOnly(file: string, mode: number): void {
  if ((mode & 0o200) !== 0) return;
  throw new AppError(
    'io',
    `Could not write the lab: ${file} is read-only (mode ${(mode & 0o777).toString(8).padStart(4, '0')}), so Cluster Lab leaves it as it is.`,
    {
      hint: `To let Cluster Lab write it, make it writable (chmod u+w ${file}) and write the lab again; to keep it, choose another lab folder.`,
    },
  );
}

/** Whatever stands where a generated file goes must be a writable plain file, or nothing. */
async function refuseUnwritable(file: FilePreview, root: string): Promise<void> {
  const place = path.join(root, file.name);
  const found = await lstatIfAny(place);
  if (!found) return;
  if (!found.isFile()) throw await notAPlainFile(place, found);
  if (file.state !== 'unchanged') refuseReadOnly(place, found.mode);
}

/** The manifest, rewritten only when it would change, so an unchanged lab leaves every byte. */
async function saveManifest(root: string, written: Record<string, string>): Promise<void> {
  const next: Omit<WrittenManifest, 'ignored'> = {
    version: 1,
    files: Object.fromEntries(Object.entries(written).sort(([a], [b]) => a.localeCompare(b))),
  };
  const text = `${JSON.stringify(next, null, 2)}\n`;
  const file = path.join(root, MANIFEST);
  if ((await readPlainFile(file, { maxBytes: MANIFEST_MAX_BYTES }).catch(() => null)) !== text) await atomicWrite(file, text);
}

/**
 * A file an earlier write made that this lab no longer renders is removed when it is still exactly
 * what was written, and left alone (the user's now) when it was edited; either way it is forgotten.
 */
async function retireStale(root: string, files: FilePreview[], written: Record<string, string>, report: WriteReport): Promise<void> {
  const rendered = new Set(files.map((f) => f.name));
  for (const name of Object.keys(written).filter((n) => !rendered.has(n))) {
    const file = path.join(root, name);
    // Only a plain file is Cluster Lab's to remove: a link or anything odd there is left as it is.
    const found = await lstatIfAny(file);
    const current = found?.isFile() ? await readGenerated(root, name) : null;
    if (current !== null && sha256(current) === written[name]) {
      // unlink, not rm: rm retries a file it may not remove as a folder and then says ENOTDIR.
      await unlink(file).catch((error: unknown) => {
        throw ioError(error, file, 'remove');
      });
      report.removed.push(name);
    } else if (found) {
      report.leftEdited.push(name);
    }
    delete written[name];
  }
}

const stampOf = (now: Date) => now.toISOString().replace(/[:.]/g, '-');

/** `dir` with its existing part resolved through links, the part still to be made appended. */
async function realFolder(dir: string): Promise<string> {
  const real = await realpath(dir).catch(() => null);
  if (real !== null) return real;
  const parent = path.dirname(dir);
  return parent === dir ? dir : path.join(await realFolder(parent), path.basename(dir));
}

/** Every name a lab writes in its folder (the write's own lock too): a folder holding anything else is not a lab's. */
const LAB_OWN_NAMES: ReadonlySet<string> = new Set([...GENERATED_FILES, ...LAB_DIRS, STATE_DIR, LOCK_FILE]);

/** Why `root`'s lab.json is not this lab's, or null when it is. */
async function otherLab(root: string, name: string): Promise<string | null> {
  try {
    const found = assertLab(await readLabJson(path.join(root, LAB_JSON), root)).name;
    return found === name ? null : `the lab "${found}" (its ${LAB_JSON} names it so), not "${name}"`;
  } catch (error) {
    return `a ${LAB_JSON} that is not a lab this Cluster Lab can read (${(error as Error).message})`;
  }
}

/**
 * A folder is never silently taken over: one holding another lab, or anything but a lab's own
 * files, is written only when the user said so (`force`).
 */
async function refuseTakeover(root: string, entries: string[], config: LabConfig): Promise<void> {
  let what: string | null;
  if (entries.includes(LAB_JSON)) what = await otherLab(root, config.name);
  else {
    const foreign = entries.filter((entry) => !LAB_OWN_NAMES.has(entry)).sort();
    const shown = foreign.length > 5 ? [...foreign.slice(0, 5), `and ${foreign.length - 5} more`] : foreign;
    what = foreign.length ? `files that are not a lab's: ${shown.join(', ')}` : null;
  }
  if (what === null) return;
  throw new AppError('invalid_input', `${root} holds ${what}; nothing was written, so it is not taken over.`, {
    hint: `Choose another folder for "${config.name}" (an empty or new one), or move what is in this one out of the way. \`cluster-lab render\` writes there anyway with --force: the files it writes replace theirs, and edited ones are kept as <name>.user-<time>.`,
    issues: [{ path: 'dir', message: `${root} holds ${what}: choose another folder, or force the write.` }],
    refusal: { kind: 'folder-taken', dir: root, holds: what },
  });
}

/**
 * The machines that have a VM: Vagrant keeps each one's VirtualBox id in
 * `.vagrant/machines/<name>/virtualbox/id` for as long as the VM exists (vagrant 2.3.4
 * lib/vagrant/environment.rb: `machine_data_path = @local_data_path.join("machines/#{name}/#{provider}")`
 * under DEFAULT_LOCAL_DATA ".vagrant"; lib/vagrant/machine.rb `id=`: `@data_dir.join("id")`,
 * written on create and deleted when the id becomes nil on destroy).
 */
export async function existingMachines(root: string): Promise<string[]> {
  const machines = path.join(root, '.vagrant', 'machines');
  const names = await readdir(machines).catch(() => [] as string[]);
  const existing: string[] = [];
  for (const name of names.sort()) if ((await lstatIfAny(path.join(machines, name, 'virtualbox', 'id')))?.isFile()) existing.push(name);
  return existing;
}

/** A VM whose machine the lab no longer has could never be reached by Down or Destroy again. */
async function refuseOrphans(root: string, config: LabConfig): Promise<void> {
  const kept = new Set(labMachines(config).map((machine) => machine.machine));
  const orphans = (await existingMachines(root)).filter((name) => !kept.has(name));
  if (orphans.length === 0) return;
  const list = orphans.join(', ');
  throw new AppError(
    'conflict',
    `${root} has VM${orphans.length === 1 ? '' : 's'} ${list} that this lab no longer has (removed or renamed); writing it would leave ${orphans.length === 1 ? 'it' : 'them'} where Down and Destroy cannot reach. Nothing was written.`,
    {
      hint: `Destroy the lab's VMs first (Destroy on the Run step, or cluster-lab destroy --dir ${root}), then write the changed lab; or keep the machine${orphans.length === 1 ? '' : 's'} ${list} in it. Adding agents and changing sizes needs no Destroy.`,
      issues: orphans.map((name) => ({ path: 'agents', message: `The VM ${name} still exists: destroy it before removing or renaming it.` })),
      refusal: { kind: 'vms-exist', dir: root, machines: orphans },
    },
  );
}

export interface WriteOptions {
  /** Write into a folder that holds another lab or other files (never past an orphaned VM). */
  force?: boolean;
  /** Keep the lab.json being replaced beside the new one, as any file the user might lose. */
  keepLabJson?: boolean;
  /** The app's own folders (appOwnFolders): refused as the lab's real folder, after links, as resolveLabDir refuses the path. */
  ownFolders?: readonly string[];
  now?: Date;
}

/**
 * Write the lab: validated first, every file atomically, unchanged files left untouched (not a
 * byte or a timestamp moves), and a file the user edited since the last write kept beside the new
 * one as `<name>.user-<time>`.
 */
export async function writeLab(
  dir: string,
  input: unknown,
  { force = false, keepLabJson = false, ownFolders = [], now = new Date() }: WriteOptions = {},
): Promise<WriteReport> {
  const config = assertLab(input);
  const root = path.resolve(dir);
  // Where the folder really is (a link to /proc is /proc), as far as it exists yet; the app's folders too.
  refuseLabFolder(await realFolder(root), null, await Promise.all(ownFolders.map(realFolder)));
  await refuseLinkedFolders(root);
  const folders = [root, ...[...LAB_DIRS, STATE_DIR].map((sub) => path.join(root, sub))];
  for (const folder of folders) await refuseNonFolder(folder);
  const { files, manifest } = await previewIn(root, config);
  for (const file of files) await refuseUnwritable(file, root);
  const entries = await readdir(root).catch(() => null);
  if (entries !== null) {
    if (!force) await refuseTakeover(root, entries, config);
    await refuseOrphans(root, config);
  }
  for (const folder of folders) await makeFolders(folder);
  // A write killed mid-way (kill -9) left its temp files; under the lab lock no other writer is at work.
  const namesByFolder = new Map<string, Set<string>>();
  for (const file of files) {
    const full = path.join(root, file.name);
    const names = namesByFolder.get(path.dirname(full)) ?? new Set<string>();
    namesByFolder.set(path.dirname(full), names.add(path.basename(full)));
  }
  for (const [folder, names] of namesByFolder) await sweepAtomicTemps(folder, names);
  const report: WriteReport = {
    dir: root,
    written: [],
    unchanged: [],
    keptUserCopies: [],
    removed: [],
    leftEdited: [],
    ignored: manifest.ignored,
  };
  const written = { ...manifest.files };
  try {
    for (const file of files) {
      if (file.state === 'unchanged') {
        report.unchanged.push(file.name);
      } else {
        if (file.current !== null && (file.state === 'user-edited' || (keepLabJson && file.name === LAB_JSON))) {
          const keptAs = `${file.name}.user-${stampOf(now)}`;
          await atomicWrite(path.join(root, keptAs), file.current);
          report.keptUserCopies.push({ name: file.name, keptAs });
        }
        await atomicWrite(path.join(root, file.name), file.content);
        report.written.push(file.name);
      }
      written[file.name] = sha256(file.content);
    }
    await retireStale(root, files, written, report);
  } catch (error) {
    // Remember the files that did change before the failure: they are Cluster Lab's, not the user's.
    await saveManifest(root, written).catch(() => {});
    throw error;
  }
  await saveManifest(root, written);
  return report;
}
