import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executableNames, installDirs, pathEntries, toolCandidates, withToolDirs } from './toolSearch';
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
});
