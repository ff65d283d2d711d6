/**
 * The one naming scheme of a job's id and its log file in DIR/logs/:
 * `<UTC stamp>-<kind>-<start in base 36>-<6 hex>.log`, such as `20261206T050515Z-up-mbc1x2y3-a1b2c3.log`.
 * A lab folder may come from elsewhere, so a name is taken only when it parses strictly and its
 * stamp and its id tell the same start; anything else in logs/ is not a log of ours.
 */
import { jobKinds, type JobKind } from '../../../shared/jobs';

const fileStamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** A job's id: its kind, its start and a few random bytes (hex). */
export const jobId = (kind: JobKind, startedAt: number, random: string) => `${kind}-${startedAt.toString(36)}-${random}`;

/** The log file's name of the job `id` that started at `startedAt`. */
export const logFileName = (id: string, startedAt: number) => `${fileStamp(startedAt)}-${id}.log`;

const idPattern = new RegExp(`^(${jobKinds.join('|')})-([0-9a-z]{1,11})-([0-9a-f]{6})$`);
const namePattern = /^(\d{8}T\d{6}Z)-(.+)\.log$/;

/** What a job's id tells. */
export interface JobName {
  id: string;
  kind: JobKind;
  startedAt: number;
}

/** A job id of ours, with what it tells (kind and start); null for anything else. */
export function parseJobId(id: string): JobName | null {
  const match = idPattern.exec(id);
  if (!match) return null;
  const startedAt = parseInt(match[2]!, 36);
  // Before 2001 or past 9999 is no job of ours (and keeps the stamp four digits of year).
  if (!Number.isSafeInteger(startedAt) || startedAt < 978_307_200_000 || startedAt >= 253_402_300_800_000) return null;
  return { id, kind: match[1] as JobKind, startedAt };
}

/** A log file name of ours, with its job; null for anything else. */
export function parseLogFileName(name: string): JobName | null {
  const match = namePattern.exec(name);
  const job = match ? parseJobId(match[2]!) : null;
  return job && fileStamp(job.startedAt) === match![1] ? job : null;
}
