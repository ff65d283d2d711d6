/**
 * Putting the installed app's `cluster-lab` command on PATH, for the app menu's item (VS Code's
 * "Shell Command: Install 'code' command in PATH"). The deb links /usr/bin/cluster-lab itself
 * (build/linux/after-install.sh); macOS gets a link in /usr/local/bin, which is on every shell's
 * PATH (/etc/paths); Windows gets the launcher's folder in the user's own Path.
 */
import { lstat, readlink, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import type { ServiceContext } from './context';
import { runTool, type RunResult } from './process';

export const MAC_LINK = '/usr/local/bin/cluster-lab';

/** What the launcher is, inside the installed app's resources folder (electron-builder.yml). */
export function launcherPath(platform: NodeJS.Platform, resourcesPath: string): string {
  return platform === 'win32' ? path.win32.join(resourcesPath, 'bin', 'cluster-lab.cmd') : path.posix.join(resourcesPath, 'bin', 'cluster-lab');
}

/** A POSIX shell word: single quotes, each inner quote closed, escaped and reopened. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An AppleScript string literal: backslash and double quote are its only escapes. */
export function appleScriptString(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The osascript program that makes the link with an administrator's password, as VS Code does. */
export function adminLinkScript(target: string, link = MAC_LINK): string {
  const command = `mkdir -p ${shellQuote(path.posix.dirname(link))} && ln -sfn ${shellQuote(target)} ${shellQuote(link)}`;
  return `do shell script ${appleScriptString(command)} with administrator privileges`;
}

/** One Path entry compared as Windows compares folders: case, surrounding quotes and a trailing backslash aside. */
function samePathEntry(a: string, b: string): boolean {
  const norm = (entry: string) =>
    entry
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .replace(/\\+$/, '')
      .toLowerCase();
  return norm(a) === norm(b);
}

/** The user's Path with `dir` appended, or null when it is already there. Empty entries are kept as they are. */
export function withPathEntry(current: string, dir: string): string | null {
  const entries = current.split(';');
  if (entries.some((entry) => samePathEntry(entry, dir))) return null;
  return current === '' ? dir : `${current.replace(/;$/, '')};${dir}`;
}

/**
 * The raw user Path from `reg query HKCU\Environment /v Path` (REG_EXPAND_SZ keeps %USERPROFILE%
 * and friends unexpanded, which .NET's GetEnvironmentVariable would expand and so lose); '' when
 * the value does not exist (reg exits 1).
 */
export function parseRegPath(output: string): string {
  const line = output.split(/\r?\n/).find((l) => /^\s+Path\s+REG_(EXPAND_)?SZ\s/i.test(l));
  return line ? line.replace(/^\s+Path\s+REG_(EXPAND_)?SZ\s{4}/i, '') : '';
}

type Runner = (file: string, args: readonly string[], options?: { env?: NodeJS.ProcessEnv }) => Promise<RunResult>;

export interface CliOnPathResult {
  /** What was done, for the dialog. */
  message: string;
}

async function linkOnMac(target: string, run: Runner): Promise<CliOnPathResult> {
  const existing = await lstat(MAC_LINK).catch(() => null);
  if (existing && !existing.isSymbolicLink())
    throw new AppError('conflict', `${MAC_LINK} exists and is not a link Cluster Lab made.`, { hint: `Move it away, then try again.` });
  if (existing && (await readlink(MAC_LINK)) === target) return { message: `${MAC_LINK} already runs Cluster Lab's command.` };
  try {
    if (existing) await rm(MAC_LINK);
    await symlink(target, MAC_LINK);
  } catch {
    // /usr/local/bin is root's on a fresh Mac: ask for the password the way the system does.
    const result = await run('osascript', ['-e', adminLinkScript(target)]);
    if (result.exitCode !== 0)
      throw new AppError('io', `Could not link ${MAC_LINK}: ${result.stderr || result.spawnError || 'cancelled'}.`, {
        hint: `In Terminal: sudo ln -sfn ${shellQuote(target)} ${MAC_LINK}`,
      });
  }
  return { message: `Linked ${MAC_LINK}. Open a new terminal and run: cluster-lab --help` };
}

async function addToUserPath(dir: string, run: Runner): Promise<CliOnPathResult> {
  const query = await run('reg', ['query', 'HKCU\\Environment', '/v', 'Path']);
  const current = query.exitCode === 0 ? parseRegPath(query.stdout) : '';
  const next = withPathEntry(current, dir);
  if (next === null) return { message: `${dir} is already on your Path.` };
  const write = await run('reg', ['add', 'HKCU\\Environment', '/v', 'Path', '/t', 'REG_EXPAND_SZ', '/d', next, '/f']);
  if (write.exitCode !== 0)
    throw new AppError('io', `Could not change your Path: ${write.stderr || write.spawnError}.`, {
      hint: `Add ${dir} to your Path in Settings → System → About → Advanced system settings → Environment Variables.`,
    });
  // reg.exe does not tell running programs; clearing an unset variable through .NET broadcasts
  // WM_SETTINGCHANGE, so terminals opened from now on see the new Path.
  await run('powershell.exe', [
    '-NoProfile',
    '-NonInteractive',
    '-Command',
    "[Environment]::SetEnvironmentVariable('CLUSTER_LAB_PATH_CHANGED', $null, 'User')",
  ]);
  return { message: `Added ${dir} to your Path. Open a new terminal and run: cluster-lab --help` };
}

export async function putCliOnPath(ctx: Pick<ServiceContext, 'platform'>, resourcesPath: string, run: Runner = runTool): Promise<CliOnPathResult> {
  const launcher = launcherPath(ctx.platform, resourcesPath);
  if (ctx.platform === 'darwin') return linkOnMac(launcher, run);
  if (ctx.platform === 'win32') return addToUserPath(path.win32.dirname(launcher), run);
  // An AppImage runs from a mount that changes every start, so nothing stable can be linked.
  return { message: `The deb package installs the command as /usr/bin/cluster-lab (it runs ${launcher}); the AppImage has no installed command.` };
}
