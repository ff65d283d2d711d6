/**
 * The renderer <-> main contract: every call (name -> argument schema -> result type) and every
 * event (name -> payload type). The shells (Electron IPC, browser-mode WebSocket) and the renderer
 * client are all derived from these two maps; nothing else names a channel.
 * Arguments are zod schemas because main re-checks them: the renderer is never trusted.
 */
import { z } from 'zod';
import type { DoctorReport } from './doctor';
import type { ErrorInfo } from './errors';
import type { HostFacts } from './host';
import type { JobInfo, LabStatus, LogBatch, LogLine, PastJob } from './jobs';
import { jobKinds } from './jobs';
import type { LabPreview, WriteReport } from './lab/files';
import type { LabConfig } from './lab/schema';
import type { HostsCheck } from './hosts';
import type { LabCheck } from './labCheck';
import type { DeleteFolderReport, LabAddress, LabList, NewLabDefaults } from './labs';
import type { NicReport } from './nics';
import type { TelepresenceState } from './telepresence';
import { uiStateSchema, type SavedUiState } from './uiState';

/** A call's result as it travels: never a bare rejection. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

interface CallSpec<A extends z.ZodType, R> {
  args: A;
  /** Type-level only: the result type. */
  result?: R;
}

const call =
  <R>() =>
  <A extends z.ZodType>(args: A): CallSpec<A, R> => ({ args });

const none = z.object({}).strict();
const dir = z.string().min(1, 'Choose a lab folder.').max(4096);
/** Lab settings are checked by the lab schema inside the service, so the issues name fields. */
const labInput = z.unknown();
/** The name of the lab's cluster, user and context in the user's kubeconfig, when not the lab's own. */
const kubeconfigName = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._@:-]*[A-Za-z0-9])?$/, 'A kubeconfig name is letters, digits and . _ @ : - (not at either end), such as "lab-2".');

export const calls = {
  'host.facts': call<HostFacts>()(none),
  'doctor.run': call<DoctorReport>()(z.object({ dir: dir.optional(), config: labInput.optional() }).strict()),
  'nics.list': call<NicReport>()(z.object({ refresh: z.boolean().optional() }).strict()),
  'plan.suggest': call<LabConfig>()(
    // Skips every address a known lab uses; `dir`: the lab being planned again, whose own addresses are its to keep.
    z.object({ nic: z.string().min(1), agents: z.number().int().min(0).max(9).optional(), base: labInput.optional(), dir: dir.optional() }).strict(),
  ),
  'hosts.check': call<HostsCheck>()(z.object({ name: z.string().min(1).max(253), ip: z.string().min(1).max(15) }).strict()),
  'lab.defaultDir': call<{ dir: string }>()(z.object({ name: z.string().max(100).optional() }).strict()),
  // A new lab's name, folder and server name that no known lab or non-empty folder has: `name` is where to start (`x` -> `x-2`).
  'lab.newDefaults': call<NewLabDefaults>()(z.object({ name: z.string().max(100).optional() }).strict()),
  'lab.preview': call<LabPreview>()(z.object({ dir: dir.optional(), config: labInput }).strict()),
  'lab.write': call<WriteReport>()(z.object({ dir, config: labInput, force: z.boolean().optional(), keepLabJson: z.boolean().optional() }).strict()),
  'lab.open': call<LabConfig>()(z.object({ dir }).strict()),
  'lab.status': call<LabStatus>()(z.object({ dir }).strict()),
  'lab.check': call<LabCheck>()(z.object({ dir }).strict()),
  // The last check recorded in the lab's folder (whoever ran it, the CLI too), without checking again.
  'lab.lastCheck': call<{ check: LabCheck | null }>()(z.object({ dir }).strict()),
  // Your labs: the registry in the app's data folder plus ~/ClusterLab/*, read without running Vagrant.
  'labs.list': call<LabList>()(none),
  // From the registry only: the folder and its VMs stay as they are.
  'labs.forget': call<{ dir: string; forgotten: boolean }>()(z.object({ dir }).strict()),
  // Only after Destroy and with no job running: the files Cluster Lab wrote, then the folder (refused, naming them, when others are left).
  'labs.deleteFolder': call<DeleteFolderReport>()(z.object({ dir }).strict()),
  // Every address a known lab uses, for the Addresses step to name the lab that holds one.
  'labs.addresses': call<{ addresses: LabAddress[] }>()(none),
  'shell.capabilities': call<{ pickFolder: boolean; openFolder: boolean }>()(none),
  'dialog.pickFolder': call<{ supported: boolean; dir: string | null }>()(z.object({ defaultPath: z.string().max(4096).optional() }).strict()),
  'shell.openFolder': call<{ supported: boolean }>()(z.object({ dir }).strict()),
  'job.start': call<JobInfo>()(z.object({ dir, kind: z.enum(jobKinds), sequential: z.boolean().optional() }).strict()),
  'job.cancel': call<JobInfo>()(z.object({ jobId: z.string().min(1).max(100) }).strict()),
  // The lab's running job (also another program's, followed from its log file) or its last one, and the log's tail.
  'job.attach': call<{ job: JobInfo | null; tail: LogLine[] }>()(z.object({ dir }).strict()),
  // The view left the lab: another program's job need not be followed for it any more.
  'job.detach': call<Record<string, never>>()(z.object({ dir }).strict()),
  'job.history': call<{ jobs: PastJob[] }>()(z.object({ dir }).strict()),
  'job.pastLog': call<{ job: PastJob; lines: LogLine[]; truncated: boolean }>()(z.object({ dir, jobId: z.string().min(1).max(100) }).strict()),
  'kubeconfig.merge': call<{
    path: string;
    context: string;
    backupPath: string | null;
    currentContext: string | null;
    files: { path: string; backupPath: string | null }[];
  }>()(z.object({ dir, setCurrent: z.boolean(), context: kubeconfigName.optional() }).strict()),
  'kubeconfig.remove': call<{
    removed: { clusters: string[]; users: string[]; contexts: string[] };
    currentContext: string | null;
    files: { path: string; backupPath: string | null }[];
  }>()(z.object({ dir }).strict()),
  // Telepresence's own user config only: no path comes from the page (the CLI's --config calls the service itself).
  'telepresence.state': call<TelepresenceState>()(none),
  'telepresence.setRecursionBlock': call<TelepresenceState>()(z.object({ duration: z.string().max(40).nullable() }).strict()),
  // Help → Copy diagnostics: versions, the doctor report and the lab's last job log, secrets taken out.
  'diagnostics.collect': call<{ text: string }>()(z.object({ dir: dir.optional() }).strict()),
  // The wizard's draft, step and opened lab, kept in the app's data folder (shared/uiState.ts); `client` names the saving page.
  'ui.state.get': call<{ state: SavedUiState | null }>()(none),
  'ui.state.save': call<{ savedAt: number }>()(z.object({ state: uiStateSchema, client: z.string().min(1).max(64) }).strict()),
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallArgs<K extends CallName> = z.input<Calls[K]['args']>;
export type CallResult<K extends CallName> = NonNullable<Calls[K]['result']>;
export const callNames = Object.keys(calls) as CallName[];

const event = <P>() => ({}) as { payload?: P };

export const events = {
  'job.update': event<JobInfo>(),
  'job.log': event<LogBatch>(),
  'lab.status': event<LabStatus>(),
  'lab.check': event<{ dir: string; check: LabCheck }>(),
  'ui.state': event<{ state: SavedUiState; client: string }>(),
} as const;

export type EventName = keyof typeof events;
export type EventPayload<K extends EventName> = NonNullable<(typeof events)[K]['payload']>;
export const eventNames = Object.keys(events) as EventName[];

/** What main implements: one async function per call. */
export type Handlers = { [K in CallName]: (args: z.output<Calls[K]['args']>) => Promise<CallResult<K>> };

/** What the renderer sees: the same calls, always resolving to an envelope. */
export interface LabApi {
  invoke<K extends CallName>(name: K, args: CallArgs<K>): Promise<Envelope<CallResult<K>>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}

/** The Electron IPC channel for a call or event: derived here so no other file spells one. */
export const channelFor = (name: CallName | EventName) => `lab:${name}`;
