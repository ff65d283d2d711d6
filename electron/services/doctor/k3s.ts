/**
 * The host's k3s cache (issue 24): where it is, what it holds, whether each file still matches its
 * release's checksums, and whether the lab's pinned release is there for its guests' architecture.
 * A release missing is only a warning (Up fetches it); a cached file that no longer matches is a
 * failure for the lab that would install it, since every VM checks it again and refuses it.
 */
import { formatBytes } from '../../../shared/bytes';
import type { Check, K3sCacheReport, K3sCacheVersion } from '../../../shared/doctor';
import { guestK3sArch, K3S_ARCHES, releaseFiles, type CachedVersion, type K3sArch } from '../k3s/cache';
import { check } from './check';
import type { DoctorFacts } from './facts';

const fileNames = (v: CachedVersion) => new Set(v.files.map((f) => f.name));

function summary(v: CachedVersion): K3sCacheVersion {
  const checked = v.files.filter((f) => f.verified !== null);
  const names = fileNames(v);
  return {
    version: v.version,
    bytes: v.bytes,
    arches: K3S_ARCHES.filter((arch) => releaseFiles(arch, true).every((name) => names.has(name))),
    verified: checked.length === 0 ? null : checked.every((f) => f.verified),
    partial: v.partial.length > 0,
  };
}

/** The cache as `doctor --json` reports it. */
export function k3sCacheReport(facts: DoctorFacts): K3sCacheReport {
  const { dir, versions } = facts.k3sCache;
  const version = facts.sizing?.k3sVersion ?? null;
  const arch = guestK3sArch(facts.host.arch);
  const cached = versions.find((v) => v.version === version);
  const names = cached ? fileNames(cached) : new Set<string>();
  return {
    dir,
    versions: versions.map(summary),
    lab: version ? { version, arch, missing: releaseFiles(arch, true).filter((name) => !names.has(name)) } : null,
  };
}

function describe(v: K3sCacheVersion): string {
  const state = v.verified === false ? 'a file does not match its checksum' : v.verified ? 'verified' : 'nothing to verify';
  const parts = [v.arches.join(' and ') || 'incomplete', formatBytes(v.bytes), state, ...(v.partial ? ['an interrupted fetch to resume'] : [])];
  return `${v.version} (${parts.join(', ')})`;
}

/** What the missing files will take, judged by the same files of the newest other version that has them. */
function estimate(facts: DoctorFacts, arch: K3sArch, missing: string[]): string {
  const like = facts.k3sCache.versions.find((v) => missing.every((name) => v.files.some((f) => f.name === name)));
  if (!like) return 'the k3s binary alone is about 70 MB, then its air-gap images';
  const bytes = like.files.filter((f) => missing.includes(f.name)).reduce((sum, f) => sum + f.size, 0);
  return `about ${formatBytes(bytes)}, as ${like.version} for ${arch} took`;
}

export function k3sCacheCheck(facts: DoctorFacts): Check {
  const { dir, versions, problem } = facts.k3sCache;
  if (problem)
    return check(
      'k3s-cache',
      'warn',
      `The k3s cache \`${dir}\` could not be read: ${problem}.`,
      'Check that you can read and write it: Up fetches k3s into it.',
    );
  const report = k3sCacheReport(facts);
  const held = report.versions.length
    ? `The k3s cache \`${dir}\` holds ${report.versions.map(describe).join('; ')}.`
    : `The k3s cache \`${dir}\` is empty.`;
  const lab = report.lab;
  const arch = guestK3sArch(facts.host.arch);
  if (lab) {
    const archFlag = arch === 'amd64' ? '' : ` --arch ${arch}`;
    const fetch = `cluster-lab k3s fetch --version ${lab.version}${archFlag}`;
    const cached = versions.find((v) => v.version === lab.version);
    const needed = releaseFiles(arch, true);
    const bad = cached?.files.filter((f) => f.verified === false && needed.includes(f.name)).map((f) => f.name) ?? [];
    if (cached && bad.length)
      return check(
        'k3s-cache',
        'fail',
        `The lab's k3s ${lab.version}: ${bad.join(' and ')} in the cache ${bad.length === 1 ? 'does' : 'do'} not match the release's checksums, and every VM would refuse ${bad.length === 1 ? 'it' : 'them'}. ${held}`,
        `Delete \`${cached.dir}\` and fetch it again: \`${fetch}\`.`,
      );
    if (lab.missing.length)
      return check(
        'k3s-cache',
        'warn',
        `${lab.version} is not in the cache yet: Up will ${cached?.partial.length ? 'resume fetching' : 'fetch'} it for ${arch} (${estimate(facts, arch, lab.missing)}). ${held}`,
        `Fetch it now: \`${fetch}\`.`,
      );
    return check('k3s-cache', 'ok', `The lab's k3s ${lab.version} is in the cache for ${arch}, verified: Up installs it without a download. ${held}`);
  }
  const broken = versions.filter((v) => v.files.some((f) => f.verified === false));
  if (broken.length)
    return check(
      'k3s-cache',
      'warn',
      held,
      `Delete ${broken.map((v) => `\`${v.dir}\``).join(' and ')} and fetch again what a lab needs (\`cluster-lab k3s list\` names each file).`,
    );
  return check('k3s-cache', 'ok', held, 'Up fetches a lab’s k3s release into it once; `cluster-lab k3s fetch --version V` does so ahead.');
}
