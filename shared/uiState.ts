/**
 * The wizard's state that outlives a window: the draft lab, the lab folder typed on Review, the
 * lab the Run step has open and the screen last shown. Main keeps it in the app's data folder, so a
 * reload, a second tab, a restarted browser-mode host (a new port: the old origin's storage is out
 * of reach) and the desktop app all find it.
 *
 * The draft is a lab half typed: every field has the lab's shape but not yet a valid value (an
 * address still empty, memory not a number). So it is held to the shape and to size bounds here,
 * and to the lab schema only where the lab is written. What comes back from the file may be
 * anything (another version, a hand edit, a truncated write): `readUiState` keeps every field that
 * fits and takes the default for each one that does not, and never throws.
 */
import { z } from 'zod';
import { defaultLabConfig, LAB_SCHEMA_VERSION, MAX_AGENTS, type LabConfig } from './lab/schema';

export const UI_STATE_SCHEMA_VERSION = 1;

const text = (max: number) => z.string().max(max);
const path = text(4096);
/** A count typed on the Lab step: null while the field holds no whole number (JSON has no NaN). */
const count = z.number().int().min(0).max(1_000_000_000).nullable();
const node = z.object({ name: text(253), ip: text(64) }).strict();

export const labDraftSchema = z
  .object({
    schemaVersion: z.literal(LAB_SCHEMA_VERSION),
    name: text(100),
    network: z
      .object({ nic: text(200), bridge: text(200), subnet: text(64), hostIp: text(64), gateway: text(64), dns: z.array(text(64)).max(3) })
      .strict(),
    server: node,
    agents: z.array(node).max(MAX_AGENTS),
    vm: z.object({ memoryMb: count, cpus: count, box: text(1000), linkedClone: z.boolean(), parallel: z.boolean() }).strict(),
    k3s: z.object({ source: z.enum(['channel', 'version']), value: text(100), version: text(100).optional() }).strict(),
    registry: z.object({ enabled: z.boolean() }).strict(),
  })
  .strict();

/** The screens a URL or the saved state can name: the home screen and the wizard's steps. */
export const screenIds = ['home', 'check', 'network', 'addresses', 'lab', 'review', 'run'] as const;
export type ScreenId = (typeof screenIds)[number];

export const uiStateSchema = z
  .object({
    schemaVersion: z.literal(UI_STATE_SCHEMA_VERSION),
    draft: labDraftSchema,
    /** The lab folder typed (or suggested) on the Review step. */
    dir: z.union([path, z.literal('')]),
    /** The folder the draft was last written to. */
    writtenDir: path.min(1).nullable(),
    /** The lab the Run step works on (opened there or from the home screen), when not the one written. */
    opened: path.min(1).nullable(),
    screen: z.enum(screenIds),
    /** Milliseconds since the epoch: of two copies (this tab's and the saved one) the later wins. */
    savedAt: z.number().int().min(0),
  })
  .strict();

export type SavedUiState = z.output<typeof uiStateSchema>;

/** The wizard's own view of it: the draft as the form holds it (NaN where a count is not a number). */
export interface UiState {
  config: LabConfig;
  dir: string;
  writtenDir: string | null;
  opened: string | null;
  screen: ScreenId;
  savedAt: number;
}

export function defaultUiState(): UiState {
  return { config: defaultLabConfig(), dir: '', writtenDir: null, opened: null, screen: 'check', savedAt: 0 };
}

const wholeOrNull = (n: number) => (Number.isInteger(n) && n >= 0 && n <= 1_000_000_000 ? n : null);

export function toSaved(state: UiState): SavedUiState {
  const { config } = state;
  return {
    schemaVersion: UI_STATE_SCHEMA_VERSION,
    draft: { ...config, vm: { ...config.vm, memoryMb: wholeOrNull(config.vm.memoryMb), cpus: wholeOrNull(config.vm.cpus) } },
    dir: state.dir,
    writtenDir: state.writtenDir,
    opened: state.opened,
    screen: state.screen,
    savedAt: state.savedAt,
  };
}

const pick = <S extends z.ZodType>(schema: S, value: unknown, fallback: z.output<S>): z.output<S> => {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : fallback;
};
const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** The draft from anything: each part that fits the draft's shape is kept, each one that does not is the default's. */
function readDraft(input: unknown): LabConfig {
  const fallback = defaultLabConfig();
  const whole = labDraftSchema.safeParse(input);
  const parts = whole.success ? whole.data : record(input);
  const shape = labDraftSchema.shape;
  const vm = pick(shape.vm, parts.vm, fallback.vm);
  return {
    schemaVersion: LAB_SCHEMA_VERSION,
    name: pick(shape.name, parts.name, fallback.name),
    network: pick(shape.network, parts.network, fallback.network),
    server: pick(shape.server, parts.server, fallback.server),
    agents: pick(shape.agents, parts.agents, fallback.agents),
    vm: { ...vm, memoryMb: vm.memoryMb ?? Number.NaN, cpus: vm.cpus ?? Number.NaN },
    k3s: pick(shape.k3s, parts.k3s, fallback.k3s) as LabConfig['k3s'],
    registry: pick(shape.registry, parts.registry, fallback.registry),
  };
}

/** The saved state from anything read back (or null when it is not an object at all): never throws. */
export function readUiState(input: unknown): UiState | null {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return null;
  const parts = record(input);
  const shape = uiStateSchema.shape;
  const fallback = defaultUiState();
  return {
    config: readDraft(parts.draft),
    dir: pick(shape.dir, parts.dir, fallback.dir),
    writtenDir: pick(shape.writtenDir, parts.writtenDir, fallback.writtenDir),
    opened: pick(shape.opened, parts.opened, fallback.opened),
    screen: pick(shape.screen, parts.screen, fallback.screen),
    savedAt: pick(shape.savedAt, parts.savedAt, fallback.savedAt),
  };
}
