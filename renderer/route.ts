/**
 * Each screen (the home screen and every wizard step) has a URL of its own, `?step=ID`, so the
 * browser's Back and Forward move between them and a reload stays put. A query, not a path: the
 * desktop app's app:// protocol and browser mode's host serve the page by its path alone, with no
 * fallback to index.html. And not the fragment: browser mode's token arrives there (api.ts takes
 * it out of the address bar before this runs); no URL written here carries a fragment.
 */
import { createContext } from 'react';
import type { LabApi } from '../shared/contract';
import { screenIds, type ScreenId, type UiState } from '../shared/uiState';

const param = 'step';

export function screenFromUrl(search = window.location.search): ScreenId | null {
  const value = new URLSearchParams(search).get(param);
  return (screenIds as readonly (string | null)[]).includes(value) ? (value as ScreenId) : null;
}

function screenUrl(screen: ScreenId): string {
  const search = new URLSearchParams(window.location.search);
  search.set(param, screen);
  return `${window.location.pathname}?${search}`;
}

/** A new history entry for a screen the user went to (none when the URL already names it). */
export function pushScreen(screen: ScreenId): void {
  if (screenFromUrl() !== screen) window.history.pushState({ screen }, '', screenUrl(screen));
}

/** The screen the page starts on, named in the URL without adding a history entry. */
export function replaceScreen(screen: ScreenId): void {
  window.history.replaceState({ screen }, '', screenUrl(screen));
}

/**
 * Where the page starts: the screen its URL names (a reload, Back into the app), else the one saved
 * last (a restarted host, a new tab), except that a page that would open on the wizard's first step
 * shows the home screen once any lab exists.
 */
export async function startScreen(api: LabApi, saved: UiState): Promise<ScreenId> {
  const fromUrl = screenFromUrl();
  if (fromUrl) return fromUrl;
  if (saved.screen !== 'check') return saved.screen;
  const labs = await api.invoke('labs.list', {});
  return labs.ok && labs.value.labs.length > 0 ? 'home' : 'check';
}

/** Going to another screen from inside one (the home screen's Open, New lab): the frame's own `go`. */
export const GoContext = createContext<(to: ScreenId) => void>(() => {});
