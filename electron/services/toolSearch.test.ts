import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executableNames, installDirs, pathEntries, pathKey, toolCandidates, withToolDirs } from './toolSearch';
import { childEnv } from './tools';
import { vagrantEnv } from './vagrant';

const fakeBinDir = path.resolve(import.meta.dirname, '../../fixtures/bin');

// What each system hands an app started without a shell (origins noted per case).
// macOS: launchd's default for a Dock/Finder launch (`launchctl getenv PATH` on macOS 14/15).
const macDockEnv = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/Users/ana' };
// Windows 11: the variables a desktop app inherits (`Get-ChildItem env:` in a fresh session), Path spelt so;
// VirtualBox 7's MSI sets VBOX_MSI_INSTALL_PATH with a trailing backslash.
const windowsEnv = {
  Path: 'C:\\WINDOWS\\system32;C:\\WINDOWS;"C:\\Program Files\\Git\\cmd";C:\\Users\\Ana\\AppData\\Local\\Microsoft\\WindowsApps;',
  PATHEXT: '.COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC;.CPL',
  SystemDrive: 'C:',
  ProgramFiles: 'C:\\Program Files',
  VBOX_MSI_INSTALL_PATH: 'D:\\Apps\\VirtualBox\\',
};

describe('where a tool is looked for', () => {
  it('on macOS from the Dock: the Dock PATH, then Homebrew, the Vagrant pkg and VirtualBox.app', () => {
    const candidates = toolCandidates('VBoxManage', 'darwin', macDockEnv);
    expect(candidates.slice(0, 4)).toEqual(['/usr/bin/VBoxManage', '/bin/VBoxManage', '/usr/sbin/VBoxManage', '/sbin/VBoxManage']);
    expect(candidates).toContain('/opt/vagrant/bin/VBoxManage');
    expect(candidates.at(-1)).toBe('/Applications/VirtualBox.app/Contents/MacOS/VBoxManage');
  });

  it('on Windows: Path (quotes dropped as libuv drops them), then VirtualBox’s own install variable, as Vagrant does', () => {
    expect(pathEntries('win32', windowsEnv)).toEqual([
      'C:\\WINDOWS\\system32',
      'C:\\WINDOWS',
      'C:\\Program Files\\Git\\cmd',
      'C:\\Users\\Ana\\AppData\\Local\\Microsoft\\WindowsApps',
    ]);
    expect(installDirs('win32', windowsEnv)[0]).toBe('D:\\Apps\\VirtualBox\\');
    expect(toolCandidates('VBoxManage', 'win32', windowsEnv)).toContain('D:\\Apps\\VirtualBox\\VBoxManage.exe');
  });

  it('on Windows only as .com or .exe, never a batch file Node would refuse to spawn', () => {
    expect(executableNames('vagrant', 'win32', windowsEnv)).toEqual(['vagrant.com', 'vagrant.exe']);
    expect(executableNames('vagrant', 'win32', { PATHEXT: '.CMD;.BAT' })).toEqual(['vagrant.exe']);
    expect(toolCandidates('kubectl', 'win32', windowsEnv).filter((file) => /\.(bat|cmd)$/i.test(file))).toEqual([]);
  });
});

describe('the PATH a child gets', () => {
  it('puts the found tools’ folders first, then the inherited PATH, each once', () => {
    const env = withToolDirs('darwin', macDockEnv, {
      vagrant: '/opt/vagrant/bin/vagrant',
      VBoxManage: '/Applications/VirtualBox.app/Contents/MacOS/VBoxManage',
      kubectl: '/usr/bin/kubectl',
      telepresence: null,
    });
    expect(env.PATH).toBe('/opt/vagrant/bin:/Applications/VirtualBox.app/Contents/MacOS:/usr/bin:/bin:/usr/sbin:/sbin');
    expect(env.HOME).toBe('/Users/ana');
  });

  it('keeps Windows’ one Path variable, spelt as it was', () => {
    const env = withToolDirs('win32', { ...windowsEnv, PATH: 'C:\\stale' }, { VBoxManage: 'D:\\Apps\\VirtualBox\\VBoxManage.exe' });
    expect(Object.keys(env).filter((key) => key.toUpperCase() === 'PATH')).toEqual(['Path']);
    expect(env.Path!.split(';').slice(0, 2)).toEqual(['D:\\Apps\\VirtualBox', 'C:\\WINDOWS\\system32']);
  });

  it('is what vagrant runs with: the folder holding the VBoxManage found comes first', () => {
    const elsewhere = path.join(fakeBinDir, '..', 'guest');
    const ctx = { platform: process.platform, env: { PATH: `${elsewhere}${path.delimiter}${fakeBinDir}${path.delimiter}/usr/bin` } };
    expect(childEnv(ctx).PATH!.split(path.delimiter)[0]).toBe(fakeBinDir);
    expect(vagrantEnv(ctx)).toMatchObject({ VAGRANT_DEFAULT_PROVIDER: 'virtualbox', PATH: childEnv(ctx).PATH });
  });

  it('drops what would point vagrant at another lab than the folder it runs in', () => {
    const env = { PATH: '/usr/bin', VAGRANT_CWD: '/elsewhere', VAGRANT_VAGRANTFILE: 'Other', VAGRANT_DOTFILE_PATH: '/tmp/.v', VAGRANT_HOME: '/h' };
    const passed = vagrantEnv({ platform: 'linux', env });
    expect(Object.keys(passed).filter((key) => key.startsWith('VAGRANT_'))).toEqual([
      'VAGRANT_HOME',
      'VAGRANT_DEFAULT_PROVIDER',
      'VAGRANT_CHECKPOINT_DISABLE',
    ]);
  });
});

describe('each rule at its edges', () => {
  it('spells PATH as the environment does on Windows, and always PATH elsewhere', () => {
    expect(pathKey('linux', { Path: '/x' })).toBe('PATH');
    expect(pathKey('darwin', {})).toBe('PATH');
    expect(pathKey('win32', { PATHEXT: '.EXE', Path: 'C:\\x' })).toBe('Path');
    expect(pathKey('win32', { PATH: 'C:\\x' })).toBe('PATH');
    expect(pathKey('win32', { path: 'C:\\x' })).toBe('path');
    expect(pathKey('win32', { PATHEXT: '.EXE' })).toBe('Path');
  });

  it('splits PATH on the platform’s separator, dropping empty entries and one quote at either end on Windows', () => {
    expect(pathEntries('linux', { PATH: '/usr/bin::/opt/a;b:' })).toEqual(['/usr/bin', '/opt/a;b']);
    expect(pathEntries('linux', {})).toEqual([]);
    expect(pathEntries('win32', { Path: `"C:\\Program Files\\Git\\cmd";'D:\\tools';;"E:\\a"b";F:\\c:d;G:\\it's` })).toEqual([
      'C:\\Program Files\\Git\\cmd',
      'D:\\tools',
      'E:\\a"b',
      'F:\\c:d',
      "G:\\it's",
    ]);
    expect(pathEntries('win32', {})).toEqual([]);
  });

  it('knows the install folders of each platform', () => {
    expect(installDirs('linux', {})).toEqual(['/usr/local/bin', '/snap/bin']);
    expect(installDirs('darwin', {})).toEqual([
      '/usr/local/bin',
      '/opt/homebrew/bin',
      '/opt/vagrant/bin',
      '/Applications/VirtualBox.app/Contents/MacOS',
    ]);
    expect(installDirs('win32', {})).toEqual([
      'C:\\Program Files\\Oracle\\VirtualBox',
      'C:\\HashiCorp\\Vagrant\\bin',
      'C:\\Program Files\\Vagrant\\bin',
    ]);
    expect(installDirs('win32', { SystemDrive: 'D:' })).toEqual([
      'D:\\Program Files\\Oracle\\VirtualBox',
      'D:\\HashiCorp\\Vagrant\\bin',
      'D:\\Program Files\\Vagrant\\bin',
    ]);
    expect(
      installDirs('win32', { SystemDrive: 'D:', ProgramFiles: 'E:\\PF', VBOX_INSTALL_PATH: 'F:\\vb1;;F:\\vb2', VBOX_MSI_INSTALL_PATH: 'G:\\vb' }),
    ).toEqual(['F:\\vb1', 'F:\\vb2', 'G:\\vb', 'E:\\PF\\Oracle\\VirtualBox', 'D:\\HashiCorp\\Vagrant\\bin', 'E:\\PF\\Vagrant\\bin']);
  });

  it('names the executable files PATHEXT allows that Node may spawn, in its order, whatever their case or spacing', () => {
    expect(executableNames('vagrant', 'linux', { PATHEXT: '.EXE' })).toEqual(['vagrant']);
    expect(executableNames('vagrant', 'win32', {})).toEqual(['vagrant.com', 'vagrant.exe']);
    expect(executableNames('vagrant', 'win32', { PATHEXT: ' .Exe ;.BAT;.CMD; .COM' })).toEqual(['vagrant.exe', 'vagrant.com']);
    expect(executableNames('vagrant', 'win32', { PATHEXT: '.BAT;.CMD' })).toEqual(['vagrant.exe']);
  });

  it('joins folders and names the platform’s way, each folder once', () => {
    expect(toolCandidates('kubectl', 'linux', { PATH: '/usr/local/bin:/usr/bin' })).toEqual([
      '/usr/local/bin/kubectl',
      '/usr/bin/kubectl',
      '/snap/bin/kubectl',
    ]);
    expect(toolCandidates('kubectl', 'win32', { Path: 'C:\\k', PATHEXT: '.EXE' })).toEqual([
      'C:\\k\\kubectl.exe',
      'C:\\Program Files\\Oracle\\VirtualBox\\kubectl.exe',
      'C:\\HashiCorp\\Vagrant\\bin\\kubectl.exe',
      'C:\\Program Files\\Vagrant\\bin\\kubectl.exe',
    ]);
  });

  it('leaves every other variable as it was, and on POSIX a variable merely spelt like PATH too', () => {
    const env = { PATH: '/usr/bin', Path: 'kept', HOME: '/home/ana' };
    expect(withToolDirs('linux', env, { vagrant: '/opt/vagrant/bin/vagrant', kubectl: null })).toEqual({
      PATH: '/opt/vagrant/bin:/usr/bin',
      Path: 'kept',
      HOME: '/home/ana',
    });
    expect(withToolDirs('win32', { Path: 'C:\\a', PATH: 'C:\\b', USERPROFILE: 'C:\\Users\\ana' }, { VBoxManage: 'D:\\VB\\VBoxManage.exe' })).toEqual({
      Path: 'D:\\VB;C:\\a',
      USERPROFILE: 'C:\\Users\\ana',
    });
  });
});
