/**
 * The lab folder on disk: lab.json (the LabConfig), the rendered files, shared/ (the synced folder)
 * and logs/. What was written is remembered as hashes in `.cluster-lab/written.json`, so a file the
 * user changed since can be told apart from one Cluster Lab wrote, and kept rather than lost.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import type { FilePreview, FileState, LabPreview, WriteReport } from '../../shared/lab/files';
import { assertLab, LAB_SCHEMA_VERSION, type LabConfig } from '../../shared/lab/schema';
import { LAB_JSON, renderLab } from '../../shared/render';
import type { ServiceContext } from './context';
import { atomicWrite, ioError } from './files';

/** Cluster Lab's own bookkeeping inside a lab folder. */
export const STATE_DIR = '.cluster-lab';
const MANIFEST = path.join(STATE_DIR, 'written.json');
/** Folders a lab needs besides its files: the synced folder and the job logs. */
export const LAB_DIRS = ['shared', 'logs'] as const;

interface WrittenManifest {
  version: 1;
  /** File name -> sha256 of the bytes Cluster Lab last wrote there. */
  files: Record<string, string>;
}

/** Read and validate a lab folder's lab.json: a clear error for a missing, foreign or invalid file. */
export async function openLab(dir: string): Promise<LabConfig> {
  const file = path.join(dir, LAB_JSON);
  const json = await readLabJson(file, dir);
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (dir === undefined)
        throw new AppError('not_found', `There is no lab file at ${file}.`, { hint: 'Give the path of a lab.json that Cluster Lab wrote.' });
      throw new AppError('not_found', `${dir} is not a Cluster Lab folder: it has no ${LAB_JSON}.`, {
        hint: 'Choose the folder a lab was written to, or write a new lab from the Review step (or `cluster-lab render`).',
      });
    }
    throw ioError(error, file, 'read');
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
export function defaultLabDir(ctx: ServiceContext, name = 'cluster-lab'): string {
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
  if (trimmed === '~' || trimmed.startsWith('~/')) return path.join(ctx.homeDir, trimmed.slice(1));
  if (!path.isAbsolute(trimmed)) {
    throw new AppError('invalid_input', `The lab folder "${dir}" is not a full path.`, {
      hint: `Give a full path such as ${defaultLabDir(ctx)}, or start it with ~/ for your home folder.`,
      issues: [{ path: 'dir', message: `Give a full path such as ${defaultLabDir(ctx)}, or start it with ~/.` }],
    });
  }
  return path.normalize(trimmed);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A file's text, or null when there is none; a folder or an unreadable file is an error. */
async function readIfPresent(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw ioError(error, file, 'read');
  }
}

async function readManifest(dir: string): Promise<WrittenManifest> {
  const text = await readIfPresent(path.join(dir, MANIFEST));
  if (text === null) return { version: 1, files: {} };
  try {
    const parsed = JSON.parse(text) as Partial<WrittenManifest>;
    if (parsed.version === 1 && parsed.files && typeof parsed.files === 'object') return { version: 1, files: { ...parsed.files } };
  } catch {
    // A damaged manifest only loses the memory of what was written: every differing file then
    // counts as the user's and is kept, which loses nothing.
  }
  return { version: 1, files: {} };
}

function fileState(content: string, current: string | null, writtenHash: string | undefined): FileState {
  if (current === null) return 'new';
  if (current === content) return 'unchanged';
  return writtenHash === sha256(current) ? 'changed' : 'user-edited';
}

async function previewIn(dir: string | null, config: LabConfig): Promise<{ files: FilePreview[]; manifest: WrittenManifest }> {
  const manifest = dir ? await readManifest(dir) : { version: 1 as const, files: {} };
  const files: FilePreview[] = [];
  for (const file of renderLab(config)) {
    const current = dir ? await readIfPresent(path.join(dir, file.name)) : null;
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

/** Something other than a file where the lab writes one. */
async function refuseNonFile(file: string): Promise<void> {
  const existing = await stat(file).catch(() => null);
  if (existing && !existing.isFile()) {
    throw new AppError('io', `Could not write the lab: ${file} is a folder or device, not a file.`, {
      hint: 'Move it out of the lab folder, or choose another lab folder.',
    });
  }
}

/** The manifest, rewritten only when it would change, so an unchanged lab leaves every byte. */
async function saveManifest(root: string, written: Record<string, string>): Promise<void> {
  const next: WrittenManifest = { version: 1, files: Object.fromEntries(Object.entries(written).sort(([a], [b]) => a.localeCompare(b))) };
  const text = `${JSON.stringify(next, null, 2)}\n`;
  const file = path.join(root, MANIFEST);
  if ((await readIfPresent(file)) !== text) await atomicWrite(file, text);
}

/**
 * A file an earlier write made that this lab no longer renders is removed when it is still exactly
 * what was written, and left alone (the user's now) when it was edited; either way it is forgotten.
 */
async function retireStale(root: string, files: FilePreview[], written: Record<string, string>, report: WriteReport): Promise<void> {
  const rendered = new Set(files.map((f) => f.name));
  for (const name of Object.keys(written).filter((n) => !rendered.has(n))) {
    const file = path.join(root, name);
    const current = await readIfPresent(file);
    if (current !== null && sha256(current) === written[name]) {
      // unlink, not rm: rm retries a file it may not remove as a folder and then says ENOTDIR.
      await unlink(file).catch((error: unknown) => {
        throw ioError(error, file, 'remove');
      });
      report.removed.push(name);
    } else if (current !== null) {
      report.leftEdited.push(name);
    }
    delete written[name];
  }
}

const stampOf = (now: Date) => now.toISOString().replace(/[:.]/g, '-');

/**
 * Write the lab: validated first, every file atomically, unchanged files left untouched (not a
 * byte or a timestamp moves), and a file the user edited since the last write kept beside the new
 * one as `<name>.user-<time>`.
 */
export async function writeLab(dir: string, input: unknown, now: Date = new Date()): Promise<WriteReport> {
  const config = assertLab(input);
  const root = path.resolve(dir);
  const folders = [root, ...[...LAB_DIRS, STATE_DIR].map((sub) => path.join(root, sub))];
  for (const folder of folders) await refuseNonFolder(folder);
  const { files, manifest } = await previewIn(root, config);
  for (const file of files) await refuseNonFile(path.join(root, file.name));
  for (const folder of folders) {
    try {
      await mkdir(folder, { recursive: true });
    } catch (error) {
      throw ioError(error, folder, 'create');
    }
  }
  const report: WriteReport = { dir: root, written: [], unchanged: [], keptUserCopies: [], removed: [], leftEdited: [] };
  const written = { ...manifest.files };
  try {
    for (const file of files) {
      if (file.state === 'unchanged') {
        report.unchanged.push(file.name);
      } else {
        if (file.state === 'user-edited' && file.current !== null) {
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
