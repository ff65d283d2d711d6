/**
 * The lab's k3s release, from the host's cache into the lab's synced folder (`shared/k3s/<version>/`),
 * where the provisioners install it from without the network (shared/render/vagrantfile.ts,
 * install_k3s). The lab folder is not trusted: no link in it is followed (a folder that is a link is
 * refused; a file is replaced by a rename, which replaces a link itself), and every file is checked
 * against the release's checksum list as it stands in its new place. The hashes the files were
 * placed with go to the lab's `.cluster-lab/k3s-placed.sha256`, beside the Vagrantfile, where no
 * guest writes: the Vagrantfile hands them to the k3s provisioner, which installs only files that
 * match them (shared/render/vagrantfile.ts, install_k3s), whatever a guest wrote into the share.
 *
 * Files are cloned from the cache where the file system can (APFS, btrfs, XFS: copy-on-write, no
 * second copy of ~250 MB) and copied where it cannot, never hard-linked: a hard link is the cache's
 * own file, and a guest writing it in place through its share would change what every other lab is
 * given, checksum list included. A placed file with another link (one placed that way before, or one
 * a guest made) is replaced, for the same reason.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { LAB_STATE_DIR, PLACED_K3S_SUMS_FILE, SHARED_K3S } from '../../../shared/render/vagrantfile';
import { atomicWrite, describeKind, lstatIfAny, renameRetrying } from '../files';
import { binaryFile, checksumFile, imagesFile, INSTALL_SCRIPT, parseChecksums, type K3sArch } from './cache';

export interface Placed {
  dir: string;
  /** Files that were copied now; the others were in place already, as the cache has them. */
  placed: string[];
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `labDir/<parts...>`, each a real folder, made where missing; a link is never followed. */
async function realFolders(labDir: string, ...parts: string[]): Promise<string> {
  let at = labDir;
  for (const part of parts) {
    at = path.join(at, part);
    const found = await lstatIfAny(at);
    if (!found) await mkdir(at);
    else if (!found.isDirectory())
      throw new AppError('io', `${at} is ${describeKind(found)}, not a folder; Cluster Lab does not follow it to place k3s there.`, {
        hint: `Remove ${at} (what a link points to stays as it is), then run Up again.`,
      });
  }
  return at;
}

export async function placeRelease(options: { cacheDir: string; labDir: string; version: string; arch: K3sArch }): Promise<Placed> {
  const { version, arch } = options;
  const from = path.join(options.cacheDir, version);
  const dir = await realFolders(options.labDir, 'shared', SHARED_K3S, version);
  const sums = parseChecksums(await readFile(path.join(from, checksumFile(arch)), 'utf8'), checksumFile(arch));
  // install.sh has no published checksum: it must be byte for byte the cache's.
  const expected = async (file: string) => (file === INSTALL_SCRIPT || file === checksumFile(arch) ? sha256(path.join(from, file)) : sums.get(file));
  const result: Placed = { dir, placed: [] };
  const placedSums: string[] = [];
  for (const file of [checksumFile(arch), binaryFile(arch), imagesFile(arch), INSTALL_SCRIPT]) {
    const want = await expected(file);
    if (!want)
      throw new AppError('failed', `${checksumFile(arch)} of ${version} has no line for ${file}.`, {
        hint: 'Fetch the release again: cluster-lab k3s prune (it removes a version that does not match), then Up.',
      });
    placedSums.push(`${want}  ${file}\n`);
    const target = path.join(dir, file);
    const there = await lstatIfAny(target);
    if (there?.isFile() && there.nlink === 1 && (await sha256(target)) === want) continue;
    const temp = path.join(dir, `.${file}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // FICLONE, not FICLONE_FORCE: a clone where the file system has them, a copy where not.
      await copyFile(path.join(from, file), temp, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
      const actual = await sha256(temp);
      if (actual !== want)
        throw new AppError(
          'failed',
          `${file} of k3s ${version} in the cache does not match ${checksumFile(arch)} (expected ${want}, got ${actual}).`,
          {
            hint: `The cache (${from}) was changed after it was checked: remove that folder (or run cluster-lab k3s prune, which removes a version that does not match) and run Up again to fetch it anew.`,
          },
        );
      await renameRetrying(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
    result.placed.push(file);
  }
  const state = await realFolders(options.labDir, LAB_STATE_DIR);
  await atomicWrite(path.join(state, PLACED_K3S_SUMS_FILE), placedSums.join(''));
  return result;
}
