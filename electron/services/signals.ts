/**
 * How a running tool is asked to stop, per platform. Pure, so the Windows plan is tested here.
 *
 * POSIX: the process group gets SIGINT (what a terminal's Ctrl-C sends; Vagrant traps it and
 * cleans up, lib/vagrant/action/runner.rb "Waiting for cleanup before exiting..."), then SIGTERM,
 * then SIGKILL.
 *
 * Windows has no signals: Node's subprocess.kill() is TerminateProcess whatever the signal, and
 * `taskkill /T` without /F only posts WM_CLOSE, which a console program has no window to receive
 * ("could not be terminated ... forcefully"). A real Ctrl-C is a console event: attach to the
 * child's console and raise CTRL_C_EVENT on it, as npm's ctrlc-windows does in native code. Here a
 * PowerShell one-off calls the same kernel32 functions; it ignores the event itself
 * (SetConsoleCtrlHandler(NULL, TRUE)) and exits 0 only when the event was raised. Then, if Vagrant
 * has not ended, `taskkill /T /F` ends the tree.
 */
export type StopStage = 'interrupt' | 'terminate' | 'kill';

export function stopStages(platform: NodeJS.Platform): StopStage[] {
  return platform === 'win32' ? ['interrupt', 'kill'] : ['interrupt', 'terminate', 'kill'];
}

export const posixSignal: Record<StopStage, 'SIGINT' | 'SIGTERM' | 'SIGKILL'> = { interrupt: 'SIGINT', terminate: 'SIGTERM', kill: 'SIGKILL' };

/** The PowerShell program that delivers Ctrl-C to the console of `pid`. */
export function windowsCtrlCScript(pid: number): string {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`not a process id: ${pid}`);
  return [
    "Add-Type -Namespace ClusterLab -Name Console -MemberDefinition '",
    '[DllImport("kernel32.dll", SetLastError = true)] public static extern bool FreeConsole();',
    '[DllImport("kernel32.dll", SetLastError = true)] public static extern bool AttachConsole(uint processId);',
    '[DllImport("kernel32.dll", SetLastError = true)] public static extern bool SetConsoleCtrlHandler(System.IntPtr handler, bool add);',
    '[DllImport("kernel32.dll", SetLastError = true)] public static extern bool GenerateConsoleCtrlEvent(uint ctrlEvent, uint processGroupId);',
    "';",
    '[void][ClusterLab.Console]::FreeConsole();',
    `if (-not [ClusterLab.Console]::AttachConsole(${pid})) { exit 2 }`,
    '[void][ClusterLab.Console]::SetConsoleCtrlHandler([System.IntPtr]::Zero, $true);',
    // 0 = CTRL_C_EVENT; group 0 = every process on the console, as a keyboard Ctrl-C reaches them.
    'if (-not [ClusterLab.Console]::GenerateConsoleCtrlEvent(0, 0)) { exit 3 }',
    'exit 0',
  ].join(' ');
}

/** The command that carries out a stage on Windows. */
export function windowsStopCommand(stage: Exclude<StopStage, 'terminate'>, pid: number): { file: string; args: string[] } {
  if (stage === 'interrupt')
    return { file: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', windowsCtrlCScript(pid)] };
  return { file: 'taskkill.exe', args: ['/T', '/F', '/PID', String(pid)] };
}

/** What the job log says was sent, so the user knows how their job was stopped. */
export function stopStageText(platform: NodeJS.Platform, stage: StopStage): string {
  if (platform === 'win32')
    return stage === 'interrupt'
      ? "Ctrl-C (CTRL_C_EVENT on the command's console)"
      : 'a forced stop of the command and everything it started (taskkill /T /F)';
  return { interrupt: 'Ctrl-C (SIGINT)', terminate: 'SIGTERM', kill: 'SIGKILL' }[stage];
}
