/** Preflight: what will go wrong before it does. */
import type { HostFacts } from './host';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  id: string;
  status: CheckStatus;
  message: string;
  fix: string;
}

export interface DoctorReport extends HostFacts {
  checks: Check[];
}
