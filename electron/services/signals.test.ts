import { describe, expect, it } from 'vitest';
import { stopTree } from './jobs/child';
import type { Job } from './jobs/job';
import type { StreamingProcess, StreamResult } from './process';
import { posixSignal, stopStages, stopStageText, windowsCtrlCScript, windowsStopCommand, type StopStage } from './signals';

describe('the stop plan', () => {
  it('is Ctrl-C, SIGTERM, SIGKILL on POSIX; Ctrl-C on the console, then a forced stop, on Windows', () => {
    expect(stopStages('linux')).toEqual(['interrupt', 'terminate', 'kill']);
    expect(stopStages('darwin')).toEqual(['interrupt', 'terminate', 'kill']);
    expect(stopStages('win32')).toEqual(['interrupt', 'kill']);
  });

  it('delivers the Windows Ctrl-C as a console event on the child’s own console, never by TerminateProcess', () => {
    const { file, args } = windowsStopCommand('interrupt', 4242);
    expect(file).toBe('powershell.exe');
    const script = args.at(-1)!;
    // The order matters: leave our console, join the child's, stop ourselves reacting, raise the event.
    const order = [
      'FreeConsole()',
      'AttachConsole(4242)',
      'SetConsoleCtrlHandler([System.IntPtr]::Zero, $true)',
      'GenerateConsoleCtrlEvent(0, 0)',
    ].map((call) => script.indexOf(call));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(windowsStopCommand('kill', 4242)).toEqual({ file: 'taskkill.exe', args: ['/T', '/F', '/PID', '4242'] });
  });

  it('puts nothing but a process id into the script', () => {
    for (const pid of [Number('1); Remove-Item C:\\'), -1, 0, 1.5, 2 ** 53, Infinity])
      expect(() => windowsCtrlCScript(pid), String(pid)).toThrow(`not a process id: ${pid}`);
    expect(windowsCtrlCScript(1)).toContain('AttachConsole(1))');
  });

  it('runs PowerShell without a profile or a prompt, past the execution policy, with the script as one argument', () => {
    expect(windowsStopCommand('interrupt', 7)).toEqual({
      file: 'powershell.exe',
      args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', windowsCtrlCScript(7)],
    });
  });

  it('declares the kernel32 functions with their Win32 signatures and exits 2 or 3 when a call fails', () => {
    // The Win32 API reference (consoleapi.h, wincon.h): BOOL FreeConsole(void); BOOL AttachConsole(DWORD);
    // BOOL SetConsoleCtrlHandler(PHANDLER_ROUTINE, BOOL); BOOL GenerateConsoleCtrlEvent(DWORD, DWORD).
    // In C#, DWORD is uint and a function pointer an IntPtr.
    const win32: Record<string, string[]> = {
      FreeConsole: [],
      AttachConsole: ['uint'],
      SetConsoleCtrlHandler: ['System.IntPtr', 'bool'],
      GenerateConsoleCtrlEvent: ['uint', 'uint'],
    };
    const script = windowsCtrlCScript(4242);
    const definition = /^Add-Type -Namespace ClusterLab -Name Console -MemberDefinition '(.*?)';(.*)$/.exec(script);
    expect(definition).not.toBeNull();
    const declared = Object.fromEntries(
      [...definition![1]!.matchAll(/\[DllImport\("kernel32\.dll", SetLastError = true\)\] public static extern bool (\w+)\(([^)]*)\);/g)].map(
        ([, name, params]) => [
          name,
          params!
            .split(',')
            .filter((p) => p.trim())
            .map((p) => p.trim().split(/\s+/)[0]),
        ],
      ),
    );
    expect(declared).toEqual(win32);
    // Each call on the class just declared; a failed attach or event is an exit code of its own.
    // PowerShell needs a blank between a closing brace and the next statement.
    expect(script).toContain('{ exit 2 } [void]');
    const calls = definition![2]!.trim();
    expect(calls.split(/;\s*|\s*}\s*/).filter(Boolean)).toEqual([
      '[void][ClusterLab.Console]::FreeConsole()',
      'if (-not [ClusterLab.Console]::AttachConsole(4242)) { exit 2',
      '[void][ClusterLab.Console]::SetConsoleCtrlHandler([System.IntPtr]::Zero, $true)',
      'if (-not [ClusterLab.Console]::GenerateConsoleCtrlEvent(0, 0)) { exit 3',
      'exit 0',
    ]);
  });

  it('sends POSIX signals by their names, and says each stage in words the user knows', () => {
    expect(posixSignal).toEqual({ interrupt: 'SIGINT', terminate: 'SIGTERM', kill: 'SIGKILL' });
    expect(['interrupt', 'terminate', 'kill'].map((stage) => stopStageText('darwin', stage as StopStage))).toEqual([
      'Ctrl-C (SIGINT)',
      'SIGTERM',
      'SIGKILL',
    ]);
    expect(['interrupt', 'kill'].map((stage) => stopStageText('win32', stage as StopStage))).toEqual([
      "Ctrl-C (CTRL_C_EVENT on the command's console)",
      'a forced stop of the command and everything it started (taskkill /T /F)',
    ]);
  });
});

/** A child that ends when it receives the stage named in `endsOn`. */
function fakeChild(endsOn: StopStage | null) {
  const sent: StopStage[] = [];
  let end: (result: StreamResult) => void = () => {};
  const done = new Promise<StreamResult>((resolve) => (end = resolve));
  const child: StreamingProcess = {
    pid: 4242,
    done,
    signalTree: async (stage) => {
      sent.push(stage);
      if (stage === endsOn || stage === 'kill') end({ exitCode: null, signal: 'SIGINT', spawnError: null });
      return true;
    },
    treeAlive: () => false,
    pause() {},
    resume() {},
  };
  return { child, sent };
}

function fakeJob() {
  const lines: string[] = [];
  return { job: { log: { app: (text: string) => lines.push(text) } } as unknown as Job, lines };
}

describe('stopping a job’s command', () => {
  const timings = { sigintWaitMs: 30, sigtermWaitMs: 30 };

  it('on Windows: Ctrl-C on its console, said in the log; a Vagrant that cleans up ends there', async () => {
    const { child, sent } = fakeChild('interrupt');
    const { job, lines } = fakeJob();
    await stopTree(job, child, timings, 'win32');
    expect(sent).toEqual(['interrupt']);
    expect(lines).toEqual(["Sent Ctrl-C (CTRL_C_EVENT on the command's console)."]);
  });

  it('on Windows: a command that ignores Ctrl-C is stopped by force, with no SIGTERM stage Windows cannot deliver', async () => {
    const { child, sent } = fakeChild(null);
    const { job, lines } = fakeJob();
    await stopTree(job, child, timings, 'win32');
    expect(sent).toEqual(['interrupt', 'kill']);
    expect(lines.at(-1)).toMatch(/^Still running 0.03 s after Ctrl-C .*: sending a forced stop .*taskkill \/T \/F/);
  });

  it('on POSIX: SIGINT, then SIGTERM, then SIGKILL, each said', async () => {
    const { child, sent } = fakeChild(null);
    const { job, lines } = fakeJob();
    await stopTree(job, child, timings, 'linux');
    expect(sent).toEqual(['interrupt', 'terminate', 'kill']);
    expect(lines).toEqual([
      'Sent Ctrl-C (SIGINT).',
      'Still running 0.03 s after Ctrl-C (SIGINT): sending SIGTERM.',
      'Still running 0.03 s after SIGTERM: sending SIGKILL.',
    ]);
  });
});
