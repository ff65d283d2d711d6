/** Preflight: what will go wrong before it does. */
import type { HostFacts } from './host';

export type CheckStatus = 'ok' | 'warn' | 'fail';
/** A verdict as the app and the CLI say it to a person (`--json` keeps the machine values above). */
export const checkStatusWords: Record<CheckStatus, string> = { ok: 'OK', warn: 'Warning', fail: 'Must fix' };

/** Every check the doctor makes, by id: a screen or a script can rely on these. */
export const checkIds = [
  'tool-vagrant',
  'tool-vboxmanage',
  'tool-kubectl',
  'tool-telepresence',
  'vagrant-virtualbox',
  'kubectl-skew',
  'tool-locations',
  'kvm',
  'vboxdrv',
  'kernel-modules',
  'apple-silicon',
  'macos-kext',
  'hyperv',
  'lab',
  'memory',
  'cpus',
  'disk',
  'nic',
  'bridge',
  'k3s-cache',
] as const;
export type CheckId = (typeof checkIds)[number];

export interface Check {
  id: CheckId;
  status: CheckStatus;
  message: string;
  fix: string;
}

/** One version in the host's k3s cache, as the doctor sums it up (`cluster-lab k3s list` has each file). */
export interface K3sCacheVersion {
  version: string;
  bytes: number;
  /** The architectures whose every file is there (checksum list, binary, images, install.sh). */
  arches: string[];
  /** Every file with a checksum line hashed again: true when all match, false when one does not, null when none has a line. */
  verified: boolean | null;
  /** An interrupted fetch left `.part` files, which the next fetch resumes. */
  partial: boolean;
}

export interface K3sCacheReport {
  dir: string;
  /** Newest first; empty when the cache is empty or could not be read. */
  versions: K3sCacheVersion[];
  /** The lab's pinned release for its guests' architecture, when a lab with one was given. */
  lab: { version: string; arch: string; missing: string[] } | null;
}

export interface DoctorReport extends HostFacts {
  checks: Check[];
  k3sCache: K3sCacheReport;
}
