import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { RunResult } from './process';
import { adminLinkScript, launcherPath, parseRegPath, putCliOnPath, shellQuote, withPathEntry } from './cliOnPath';

const ok = (stdout = ''): RunResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false, spawnError: null });

describe('the launcher inside the installed app', () => {
  it('is bin/cluster-lab in resources, bin\\cluster-lab.cmd on Windows', () => {
    expect(launcherPath('darwin', '/Applications/Cluster Lab.app/Contents/Resources')).toBe(
      '/Applications/Cluster Lab.app/Contents/Resources/bin/cluster-lab',
    );
    expect(launcherPath('win32', 'C:\\Users\\Ana\\AppData\\Local\\Programs\\Cluster Lab\\resources')).toBe(
      'C:\\Users\\Ana\\AppData\\Local\\Programs\\Cluster Lab\\resources\\bin\\cluster-lab.cmd',
    );
  });
});

describe('the macOS administrator link', () => {
  it('survives quotes, spaces and backslashes through AppleScript, then sh', () => {
    const target = `/Applications/Ana's "Lab" \\ App.app/Contents/Resources/bin/cluster-lab`;
    const script = adminLinkScript(target, '/tmp/x/cluster-lab');
    // Undo AppleScript's string escaping as osascript does, then let a real sh split the words.
    const literal = /^do shell script "(.*)" with administrator privileges$/.exec(script)![1]!;
    const command = literal.replace(/\\(["\\])/g, '$1');
    const words = execFileSync(
      'sh',
      ['-c', `for w in ${command.replace(/^mkdir -p (.*) && ln -sfn (.*) (.*)$/, '$1 $2 $3')}; do printf '%s\\n' "$w"; done`],
      {
        encoding: 'utf8',
      },
    );
    expect(words.trimEnd().split('\n')).toEqual(['/tmp/x', target, '/tmp/x/cluster-lab']);
  });

  it('quotes a word for sh so that it stays one word', () => {
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote("it's $HOME `x`")}`], { encoding: 'utf8' })).toBe("it's $HOME `x`");
  });
});

describe('the Windows user Path', () => {
  // reg.exe's output on Windows 11 23H2 (four spaces between columns, CRLF line ends).
  const regOutput =
    '\r\nHKEY_CURRENT_USER\\Environment\r\n    Path    REG_EXPAND_SZ    %USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;C:\\Tools\\bin;\r\n\r\n';

  it('reads the raw value, %USERPROFILE% unexpanded', () => {
    expect(parseRegPath(regOutput)).toBe('%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;C:\\Tools\\bin;');
    expect(parseRegPath('ERROR: The system was unable to find the specified registry key or value.\r\n')).toBe('');
  });

  it('appends the folder once, comparing as Windows does', () => {
    expect(withPathEntry('C:\\Tools\\bin;', 'C:\\Apps\\Cluster Lab\\resources\\bin')).toBe('C:\\Tools\\bin;C:\\Apps\\Cluster Lab\\resources\\bin');
    expect(withPathEntry('', 'C:\\A')).toBe('C:\\A');
    expect(withPathEntry('C:\\Tools;"c:\\apps\\cluster lab\\resources\\BIN\\"', 'C:\\Apps\\Cluster Lab\\resources\\bin')).toBeNull();
  });

  it('writes the new Path as REG_EXPAND_SZ, then tells running programs', async () => {
    const calls: string[][] = [];
    const run = async (file: string, args: readonly string[]) => {
      calls.push([file, ...args]);
      return ok(file === 'reg' && args[0] === 'query' ? regOutput : '');
    };
    const result = await putCliOnPath({ platform: 'win32' }, 'C:\\Apps\\Cluster Lab\\resources', run);
    expect(calls[1]).toEqual([
      'reg',
      'add',
      'HKCU\\Environment',
      '/v',
      'Path',
      '/t',
      'REG_EXPAND_SZ',
      '/d',
      '%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;C:\\Tools\\bin;C:\\Apps\\Cluster Lab\\resources\\bin',
      '/f',
    ]);
    expect(calls[2]![0]).toBe('powershell.exe');
    expect(result.message).toMatch(/Added .* to your Path/);
  });

  it('changes nothing when the folder is on the Path already', async () => {
    const calls: string[][] = [];
    const run = async (file: string, args: readonly string[]) => {
      calls.push([file, ...args]);
      return ok('    Path    REG_SZ    C:\\Apps\\Cluster Lab\\resources\\bin\r\n');
    };
    expect((await putCliOnPath({ platform: 'win32' }, 'C:\\Apps\\Cluster Lab\\resources', run)).message).toMatch(/already on your Path/);
    expect(calls).toHaveLength(1);
  });
});
