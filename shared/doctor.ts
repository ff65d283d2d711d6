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
] as const;
export type CheckId = (typeof checkIds)[number];

export interface Check {
  id: CheckId;
  status: CheckStatus;
  message: string;
  fix: string;
}

export interface DoctorReport extends HostFacts {
  checks: Check[];
}
