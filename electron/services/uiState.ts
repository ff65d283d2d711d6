/**
 * The wizard's saved state (shared/uiState.ts) in the app's data folder: one reader, one writer.
 * The file is read like anything from outside (bounded, plain, any garbage falls back field by
 * field); every save is an atomic replace and is announced, so a second tab follows the first.
 */
import path from 'node:path';
import { readUiState, toSaved, type SavedUiState } from '../../shared/uiState';
import { appDataDir } from './appFolders';
import type { ServiceContext } from './context';
import { atomicWrite, readPlainFile } from './files';

/** Far more than the bounded state ever takes (about 20 KiB at most). */
const MAX_BYTES = 64 * 1024;

export const uiStateFile = (ctx: ServiceContext) => path.join(appDataDir(ctx.platform, ctx.env, ctx.homeDir), 'ui-state.json');

export async function getUiState(ctx: ServiceContext): Promise<{ state: SavedUiState | null }> {
  const file = uiStateFile(ctx);
  const text = await readPlainFile(file, {
    maxBytes: MAX_BYTES,
    hint: `Cluster Lab keeps the wizard's draft there; remove ${file} and the wizard starts afresh.`,
  });
  if (text === null) return { state: null };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A torn or hand-broken file: the wizard starts from its defaults, and the next save replaces it.
    return { state: null };
  }
  const state = readUiState(json);
  return { state: state && toSaved(state) };
}

/** How far ahead of this clock a saved time may be and still count (another tab's clock is this one). */
const CLOCK_SLACK_MS = 60_000;

/** The save running or queued for each file: saves go one after another, never racing their renames. */
const saving = new Map<string, Promise<unknown>>();

/**
 * Writes the state unless the file already holds a later one: the later edit wins whatever order the
 * saves arrive in (a page's two last edits, the slower one on its way last; two tabs). Returns the
 * `savedAt` the file holds after it.
 */
export function saveUiState(ctx: ServiceContext, state: SavedUiState, client: string): Promise<{ savedAt: number }> {
  const file = uiStateFile(ctx);
  const save = async () => {
    const current = (await getUiState(ctx).catch(() => ({ state: null }))).state;
    // A time still to come is no edit anyone made: a clock set back since, or a hand edit. It holds nothing back.
    const currentAt = current && current.savedAt <= Date.now() + CLOCK_SLACK_MS ? current.savedAt : -1;
    if (currentAt > state.savedAt) return { savedAt: currentAt };
    // Private like the rest of the app's folder: the draft names this machine's addresses.
    await atomicWrite(file, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    ctx.events.emit('ui.state', { state, client });
    return { savedAt: state.savedAt };
  };
  const saved = (saving.get(file) ?? Promise.resolve()).then(save, save);
  const settled = saved.catch(() => {});
  saving.set(file, settled);
  // The last save done leaves nothing behind.
  void settled.then(() => saving.get(file) === settled && saving.delete(file));
  return saved;
}
