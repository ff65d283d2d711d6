/**
 * What Cluster Lab last learnt about a lab's machines, kept in its folder
 * (`.cluster-lab/recorded.json`), so the list of labs can show states and the check verdict without
 * running Vagrant: the machine states of the last `vagrant status` (the Status job, the node table's
 * refresh after every job, the lab check) and the last lab check.
 *
 * The lab folder may come from elsewhere: the file is read as a plain file within a size limit and
 * held to its schema; anything else is as if nothing were recorded.
 */
import path from 'node:path';
import { z } from 'zod';
import type { LabCheck } from '../../../shared/labCheck';
import { atomicWrite, lstatIfAny, readPlainFile } from '../files';
import { STATE_DIR } from '../labFolder';

export const RECORDED_FILE = path.join(STATE_DIR, 'recorded.json');
/** A check of ten nodes is a few KiB. */
const RECORDED_MAX_BYTES = 256 * 1024;

const iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
const text = (max: number) => z.string().max(max);
const checkSchema = z
  .object({
    ok: z.boolean(),
    checkedAt: iso,
    nodes: z
      .array(
        z
          .object({
            machine: text(253),
            ok: z.boolean().nullable(),
            checks: z
              .array(
                z
                  .object({ id: z.enum(['default-route', 'dns', 'address', 'vif', 'kubernetes', 'reach']), ok: z.boolean(), detail: text(4096) })
                  .strict(),
              )
              .max(20),
          })
          .strict(),
      )
      .max(20),
  })
  .strict();

const recordedSchema = z
  .object({
    version: z.literal(1),
    /** The machine states Vagrant gave, and when. */
    states: z
      .object({ at: iso, machines: z.record(text(253), text(100)) })
      .strict()
      .nullable(),
    check: checkSchema.nullable(),
  })
  .strict();

export type Recorded = z.infer<typeof recordedSchema>;

const nothing: Recorded = { version: 1, states: null, check: null };

/** What is recorded for lab `dir`; nothing when the file is missing, unreadable or not of this shape. */
export async function readRecorded(dir: string): Promise<Recorded> {
  try {
    const text = await readPlainFile(path.join(dir, RECORDED_FILE), { maxBytes: RECORDED_MAX_BYTES });
    if (text === null) return nothing;
    const parsed = recordedSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : nothing;
  } catch {
    return nothing;
  }
}

/**
 * Change what is recorded. Only into a `.cluster-lab` that is a folder of the lab's own (or none
 * yet): a link there is never written through. Recording is a side note to the status or check it
 * follows, so it never fails them.
 */
async function update(dir: string, change: (recorded: Recorded) => Recorded): Promise<void> {
  try {
    const folder = await lstatIfAny(path.join(dir, STATE_DIR));
    if (folder && !folder.isDirectory()) return;
    const next = change(await readRecorded(dir));
    await atomicWrite(path.join(dir, RECORDED_FILE), `${JSON.stringify(next, null, 2)}\n`);
  } catch {
    // The list then shows what the folder alone tells.
  }
}

/** The machine states `vagrant status` gave for lab `dir` at `at`. */
export function recordStates(dir: string, machines: { name: string; state: string }[], at = new Date()): Promise<void> {
  return update(dir, (recorded) => ({
    ...recorded,
    states: { at: at.toISOString(), machines: Object.fromEntries(machines.map((m) => [m.name, m.state])) },
  }));
}

/** The lab check that just ran on lab `dir`. */
export function recordCheck(dir: string, check: LabCheck): Promise<void> {
  return update(dir, (recorded) => ({ ...recorded, check }));
}
