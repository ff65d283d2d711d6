/**
 * A new lab's name and folder that collide with nothing: not a known lab's name, not a known lab's
 * folder, not a folder that already holds files (writing there would need `force`). The server's
 * name, and so the node name, the hosts line and the kube context's lab, follow from the name.
 */
import { readdir } from 'node:fs/promises';
import { AppError } from '../../../shared/errors';
import { candidateLabName, serverNameFor, type NewLabDefaults } from '../../../shared/labs';
import type { ServiceContext } from '../context';
import { lstatIfAny } from '../files';
import { defaultLabDir } from '../labFolder';
import { listLabs } from './list';

/** Enough tries for any person's labs; past it something is wrong with the folder. */
const MAX_TRIES = 1000;

/** Nothing there, or an empty folder (a link or a file there is taken). */
async function free(dir: string): Promise<boolean> {
  const found = await lstatIfAny(dir).catch(() => null);
  if (!found) return true;
  if (!found.isDirectory()) return false;
  return (await readdir(dir).catch(() => ['?'])).length === 0;
}

export async function newLabDefaults(ctx: ServiceContext, start = 'cluster-lab'): Promise<NewLabDefaults> {
  const { labs } = await listLabs(ctx);
  const names = new Set(labs.flatMap((lab) => (lab.name ? [lab.name] : [])));
  const dirs = new Set(labs.map((lab) => lab.dir));
  for (let n = 1; n <= MAX_TRIES; n++) {
    const name = candidateLabName(start, n);
    const dir = defaultLabDir(ctx, name);
    if (names.has(name) || dirs.has(dir) || !(await free(dir))) continue;
    return { name, dir, serverName: serverNameFor(name) };
  }
  throw new AppError('conflict', `Every name from ${candidateLabName(start, 1)} to ${candidateLabName(start, MAX_TRIES)} is taken.`, {
    hint: 'Give the new lab a name of its own.',
  });
}
