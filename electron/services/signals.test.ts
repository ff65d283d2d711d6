import { describe, expect, it } from 'vitest';
import { stopTree } from './jobs/child';
import type { Job } from './jobs/job';
import type { StreamingProcess, StreamResult } from './process';
import { stopStages, windowsCtrlCScript, windowsStopCommand, type StopStage } from './signals';

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
    expect(() => windowsCtrlCScript(Number('1); Remove-Item C:\\'))).toThrow();
    expect(() => windowsCtrlCScript(-1)).toThrow();
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
