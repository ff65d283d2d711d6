/**
 * The wizard's state kept across reloads, tabs and restarts. Main holds the lasting copy (the app's
 * data folder, `ui.state.*`); this tab's sessionStorage holds the latest edit at once, so a reload
 * within the save's debounce loses nothing. Of the two, the later `savedAt` wins; whatever comes back
 * is read field by field (shared/uiState.ts), so a broken copy costs defaults, never the page.
 */
import type { LabApi } from '../shared/contract';
import { defaultUiState, readUiState, toSaved, type UiState } from '../shared/uiState';

const storageKey = 'cluster-lab.ui.v1';
/** Long enough that typing a name saves once, short enough that closing the window soon after loses nothing. */
export const SAVE_DELAY_MS = 400;

function fromSession(): UiState | null {
  try {
    const text = sessionStorage.getItem(storageKey);
    return text ? readUiState(JSON.parse(text)) : null;
  } catch {
    return null;
  }
}

/** This tab's copy or the saved one, whichever is later; the defaults when there is neither. */
export async function loadUiState(api: LabApi): Promise<UiState> {
  const local = fromSession();
  const result = await api.invoke('ui.state.get', {});
  const saved = result.ok && result.value.state ? readUiState(result.value.state) : null;
  const candidates = [local, saved].filter((s): s is UiState => s !== null);
  return candidates.sort((a, b) => b.savedAt - a.savedAt)[0] ?? defaultUiState();
}

/** Saves the state a moment after the last change (and at once when the page goes away). */
export class UiStateSaver {
  /** Names this page's saves, so the event of its own save is not taken for another tab's. */
  readonly client = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  private pending: UiState | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: LabApi,
    private readonly delayMs = SAVE_DELAY_MS,
  ) {}

  save(state: UiState): void {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(toSaved(state)));
    } catch {
      // Storage full or switched off: main's copy still comes.
    }
    this.pending = state;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const state = this.pending;
    this.pending = null;
    if (!state) return;
    const result = await this.api.invoke('ui.state.save', { state: toSaved(state), client: this.client });
    // This tab's copy still holds it; the next tab or restart would not: say so where a developer looks.
    if (!result.ok) console.warn(`Cluster Lab could not save the wizard's state: ${result.error.message}`);
  }
}
