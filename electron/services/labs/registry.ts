/**
 * The registry of labs: the folders Cluster Lab wrote or opened, in `labs.json` in the app's data
 * folder (the same file for the app, browser mode and the CLI). It holds folder paths and when each
 * was recorded; everything else about a lab is read from its folder when the list is made.
 *
 * The file is read as untrusted input all the same (another program, a hand edit, a sync client, a
 * truncated write): read only as a plain file within a size limit, held to its schema entry by
 * entry, and an entry that is not a full path of a folder a lab may live in (`/`, the home folder,
 * /proc...) is dropped and counted, never acted on.
 */
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { appDataDir } from '../appFolders';
import type { ServiceContext } from '../context';
import { atomicWrite, lstatIfAny, readPlainFile } from '../files';
import { withLabLock } from '../jobs/lock';
import { resolveLabDir } from '../labFolder';
import { delay } from '../time';

export const REGISTRY_FILE = 'labs.json';
export const REGISTRY_VERSION = 1;
/** Thousands of labs in well under this; a file past it is not one Cluster Lab wrote. */
const REGISTRY_MAX_BYTES = 1024 * 1024;
/** More labs than any person keeps: the list stays quick to make. */
export const REGISTRY_MAX_LABS = 1000;

const entrySchema = z.object({ dir: z.string().min(1).max(4096), recordedAt: z.string().max(40) }).strict();
export type RegistryEntry = z.infer<typeof entrySchema>;

export interface Registry {
  entries: RegistryEntry[];
  /** What in the file was not believed, for the list to say; null when all of it was. */
  problem: string | null;
}

export const registryFile = (ctx: Pick<ServiceContext, 'platform' | 'env' | 'homeDir'>) =>
  path.join(appDataDir(ctx.platform, ctx.env, ctx.homeDir), REGISTRY_FILE);

/**
 * The registry's one reader. Never throws for what the file holds: an unreadable file is an empty
 * registry with the reason in `problem`, and each bad entry is dropped and counted.
 */
export async function readRegistry(ctx: ServiceContext): Promise<Registry> {
  const file = registryFile(ctx);
  let text: string | null;
  try {
    text = await readPlainFile(file, {
      maxBytes: REGISTRY_MAX_BYTES,
      hint: `Cluster Lab did not write it that way: move ${file} away; the labs in ~/ClusterLab are still listed.`,
    });
  } catch (error) {
    return { entries: [], problem: (error as Error).message };
  }
  if (text === null) return { entries: [], problem: null };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { entries: [], problem: `${file} is not valid JSON (${(error as Error).message}); it is set aside at the next write.` };
  }
  const { version, labs } = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (version !== REGISTRY_VERSION || !Array.isArray(labs))
    return {
      entries: [],
      problem:
        typeof version === 'number' && version > REGISTRY_VERSION
          ? `${file} was written by a newer Cluster Lab (version ${version}); update Cluster Lab to list its labs.`
          : `${file} is not a registry of labs this Cluster Lab reads; it is set aside at the next write.`,
    };
  const entries: RegistryEntry[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const raw of labs.slice(0, REGISTRY_MAX_LABS)) {
    const entry = entrySchema.safeParse(raw);
    const dir = entry.success ? labDirOrNull(ctx, entry.data.dir) : null;
    if (!entry.success || dir === null || dir !== entry.data.dir) dropped++;
    else if (!seen.has(dir)) {
      seen.add(dir);
      entries.push(entry.data);
    }
  }
  dropped += Math.max(0, labs.length - REGISTRY_MAX_LABS);
  return {
    entries,
    problem: dropped
      ? `${file}: ${dropped} entr${dropped === 1 ? 'y is' : 'ies are'} not a lab folder's full path and ${dropped === 1 ? 'was' : 'were'} ignored.`
      : null,
  };
}

/** A full path a lab may live in, normalized; null for anything else (relative, `/`, home, /proc...). */
function labDirOrNull(ctx: ServiceContext, dir: string): string | null {
  if (!path.isAbsolute(dir)) return null;
  try {
    return resolveLabDir(ctx, dir);
  } catch {
    return null;
  }
}

async function saveRegistry(ctx: ServiceContext, entries: RegistryEntry[], previous: Registry, now: Date): Promise<void> {
  const file = registryFile(ctx);
  // A file this Cluster Lab could not read is kept beside, not replaced: it may be a newer one's, or worth a look.
  if (previous.problem !== null && previous.entries.length === 0 && (await lstatIfAny(file)))
    await rename(file, `${file}.unreadable-${now.toISOString().replace(/[:.]/g, '-')}`);
  await atomicWrite(file, `${JSON.stringify({ version: REGISTRY_VERSION, labs: entries }, null, 2)}\n`);
}

/** Changes of one registry file run one at a time in this process; across processes, under the lock. */
const changing = new Map<string, Promise<unknown>>();
/** How long a change waits for another process's (each takes milliseconds) before it gives up. */
const LOCK_WAIT_MS = 5000;

/**
 * Read, change and write the registry as one step, so two changes at once (two tabs, the app and the
 * CLI) never lose each other's lab. The lock is the lab lock's file, taken in the app's data folder:
 * the one exclusive-create lock every Cluster Lab process already honours.
 */
function changeRegistry<T>(ctx: ServiceContext, change: () => Promise<T>): Promise<T> {
  const dir = path.dirname(registryFile(ctx));
  const underLock = async (): Promise<T> => {
    for (let waited = 0; ; waited += 50) {
      try {
        return await withLabLock(dir, change);
      } catch (error) {
        if ((error as { code?: string }).code !== 'busy' || waited >= LOCK_WAIT_MS) throw error;
        await delay(50);
      }
    }
  };
  const next = (changing.get(dir) ?? Promise.resolve()).then(underLock, underLock);
  const settled = next.catch(() => {});
  changing.set(dir, settled);
  void settled.then(() => {
    if (changing.get(dir) === settled) changing.delete(dir);
  });
  return next;
}

/**
 * Remember a lab folder (written or opened): the newest first. Never fails the write or open it
 * follows; a registry that cannot be written only means the lab is not listed (the error is returned).
 */
export async function recordLab(ctx: ServiceContext, dir: string, now = new Date()): Promise<Error | null> {
  try {
    const at = labDirOrNull(ctx, dir);
    if (at === null) return null;
    await changeRegistry(ctx, async () => {
      const registry = await readRegistry(ctx);
      const others = registry.entries.filter((entry) => entry.dir !== at);
      await saveRegistry(ctx, [{ dir: at, recordedAt: now.toISOString() }, ...others].slice(0, REGISTRY_MAX_LABS), registry, now);
    });
    return null;
  } catch (error) {
    return error as Error;
  }
}

/** Forget a lab folder: the registry loses it; the folder and its VMs stay as they are. */
export function forgetLab(ctx: ServiceContext, dir: string, now = new Date()): Promise<boolean> {
  const at = labDirOrNull(ctx, dir) ?? dir;
  return changeRegistry(ctx, async () => {
    const registry = await readRegistry(ctx);
    const kept = registry.entries.filter((entry) => entry.dir !== at);
    if (kept.length === registry.entries.length) return false;
    await saveRegistry(ctx, kept, registry, now);
    return true;
  });
}
