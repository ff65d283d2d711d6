/**
 * The app's own folders, computed the same way by the desktop app, browser mode and the CLI, so all
 * three see one registry of labs and one k3s cache.
 *
 * The data folder is where Electron puts `app.getPath('userData')`: the OS's appData folder
 * (`%APPDATA%` on Windows, `$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application
 * Support` on macOS) joined with the app's name, which Electron takes from package.json's
 * `productName` before `name` (electron/electron docs/api/app.md, "app.getPath" and "app.getName").
 */
import path from 'node:path';
import { k3sCacheDir } from './k3s/cache';

export const APP_FOLDER_NAME = 'Cluster Lab';

export function appDataDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, homeDir: string): string {
  if (platform === 'win32') {
    const base = env.APPDATA || path.win32.join(homeDir, 'AppData', 'Roaming');
    return path.win32.join(base, APP_FOLDER_NAME);
  }
  if (platform === 'darwin') return path.posix.join(homeDir, 'Library', 'Application Support', APP_FOLDER_NAME);
  // XDG Base Directory: a relative $XDG_CONFIG_HOME is invalid and ignored.
  const xdg = env.XDG_CONFIG_HOME && path.posix.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.posix.join(homeDir, '.config');
  return path.posix.join(xdg, APP_FOLDER_NAME);
}

/** Every folder the app keeps for itself: a lab is never written into (or over) one of them. */
export function appOwnFolders(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, homeDir: string): string[] {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  return [appDataDir(platform, env, homeDir), pathApi.dirname(k3sCacheDir(platform, env, homeDir))];
}
