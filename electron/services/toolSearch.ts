/**
 * Where a tool is looked for, and the PATH its children get: pure functions of the platform and
 * the environment, so every platform's rule runs in the tests here.
 *
 * An app started from the macOS Dock or Finder gets PATH=/usr/bin:/bin:/usr/sbin:/sbin, and
 * Vagrant's VirtualBox driver runs plain `VBoxManage` from PATH on macOS and Linux
 * (vagrant 2.3.4 plugins/providers/virtualbox/driver/base.rb, Base#initialize; only Windows searches
 * further). So finding the tools is not enough: every child gets their folders first on its PATH.
 */
import path from 'node:path';
import type { ToolName } from '../../shared/host';

type Env = NodeJS.ProcessEnv;

/** The environment's PATH variable as it is spelt there (Windows keeps `Path`, and names are case-blind). */
export function pathKey(platform: NodeJS.Platform, env: Env): string {
  if (platform !== 'win32') return 'PATH';
  return Object.keys(env).find((key) => key.toUpperCase() === 'PATH') ?? 'Path';
}

/**
 * PATH's folders in order. A Windows entry may come quoted (installers write some that way);
 * libuv's search_path (deps/uv/src/win/process.c, "Adjust if the path is quoted") drops one `"` or
 * `'` at either end, and so do we, so the file we find is the file a spawn by name would run.
 */
export function pathEntries(platform: NodeJS.Platform, env: Env): string[] {
  const value = env[pathKey(platform, env)] ?? '';
  if (platform !== 'win32') return value.split(':').filter(Boolean);
  return value
    .split(';')
    .map((entry) => entry.replace(/^["']/, '').replace(/["']$/, ''))
    .filter(Boolean);
}

/** Where installers put the tools when the launcher's PATH does not include them. */
export function installDirs(platform: NodeJS.Platform, env: Env): string[] {
  if (platform === 'darwin')
    // /opt/vagrant/bin: the Vagrant pkg's own folder (it also links /usr/local/bin/vagrant, which a
    // cleaned-up /usr/local may have lost).
    return ['/usr/local/bin', '/opt/homebrew/bin', '/opt/vagrant/bin', '/Applications/VirtualBox.app/Contents/MacOS'];
  if (platform === 'win32') {
    const drive = env.SystemDrive ?? 'C:';
    const programFiles = env.ProgramFiles ?? `${drive}\\Program Files`;
    // VirtualBox's installer sets VBOX_MSI_INSTALL_PATH (older ones VBOX_INSTALL_PATH), each a
    // ';'-list, and Vagrant looks there after PATH (driver/base.rb, as above); a custom install folder
    // is found only this way.
    const vbox = [env.VBOX_INSTALL_PATH, env.VBOX_MSI_INSTALL_PATH].flatMap((list) => (list ?? '').split(';')).filter(Boolean);
    return [
      ...vbox,
      path.win32.join(programFiles, 'Oracle', 'VirtualBox'),
      path.win32.join(drive, 'HashiCorp', 'Vagrant', 'bin'),
      path.win32.join(programFiles, 'Vagrant', 'bin'),
    ];
  }
  return ['/usr/local/bin', '/snap/bin'];
}

/**
 * The file names a tool may have. On Windows only what CreateProcess runs directly: `.exe` and
 * `.com` from PATHEXT. Node refuses to spawn `.bat`/`.cmd` without a shell since CVE-2024-27980
 * (EINVAL), and a shell would re-parse every argument, so a batch file is never picked.
 */
export function executableNames(name: string, platform: NodeJS.Platform, env: Env): string[] {
  if (platform !== 'win32') return [name];
  const listed = (env.PATHEXT ?? '.COM;.EXE')
    .split(';')
    .map((ext) => ext.trim().toLowerCase())
    .filter((ext) => ext === '.exe' || ext === '.com');
  return (listed.length ? listed : ['.exe']).map((ext) => name + ext);
}

/** Every file a tool may be, in the order it is looked for: PATH first, then the install folders. */
export function toolCandidates(name: string, platform: NodeJS.Platform, env: Env): string[] {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const dirs = [...new Set([...pathEntries(platform, env), ...installDirs(platform, env)])];
  return dirs.flatMap((dir) => executableNames(name, platform, env).map((file) => pathApi.join(dir, file)));
}

/**
 * The environment a child runs with: the folders of the tools the app found first on PATH, then
 * the inherited PATH, so Vagrant finds the VBoxManage the doctor showed, and kubectl finds its
 * credential plugins as before.
 */
export function withToolDirs(platform: NodeJS.Platform, env: Env, found: Partial<Record<ToolName, string | null>>): Env {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const toolDirs = Object.values(found)
    .filter((file): file is string => typeof file === 'string')
    .map((file) => pathApi.dirname(file));
  const key = pathKey(platform, env);
  const entries = [...new Set([...toolDirs, ...pathEntries(platform, env)])];
  const next: Env = { ...env };
  // One PATH variable only: Windows would pick either of two that differ in case.
  for (const other of Object.keys(next)) if (other !== key && other.toUpperCase() === 'PATH' && platform === 'win32') delete next[other];
  next[key] = entries.join(platform === 'win32' ? ';' : ':');
  return next;
}
