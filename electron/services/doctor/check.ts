/** What every rule of the doctor is made of: the facts it reads, and one way to say a verdict. */
import type { Check, CheckId, CheckStatus } from '../../../shared/doctor';

export const check = (id: CheckId, status: CheckStatus, message: string, fix = ''): Check => ({ id, status, message, fix });
export const minor = (version: string) => version.split('.').slice(0, 2).join('.');
export const GiB = 2 ** 30;
export const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;
