/**
 * The one way Cluster Lab runs a short-lived tool: execa with an argument array (never a shell),
 * stdin closed so nothing can wait on a prompt, a timeout, and no rejection on a non-zero exit
 * (callers decide what an exit code means).
 */
import { execa } from 'execa';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process could not start at all (ENOENT, EACCES). */
  spawnError: string | null;
}

export async function runTool(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await execa(file, args, {
    stdin: 'ignore',
    reject: false,
    timeout: options.timeoutMs ?? 15_000,
    env: options.env,
    extendEnv: options.env === undefined,
    cwd: options.cwd,
    windowsHide: true,
    stripFinalNewline: true,
    maxBuffer: 16 * 1024 * 1024,
  });
  const spawnError: string | null =
    result.failed && result.exitCode === undefined && !result.timedOut && !result.isTerminated ? (result.shortMessage ?? 'could not start') : null;
  return {
    exitCode: result.exitCode ?? null,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    timedOut: Boolean(result.timedOut),
    spawnError,
  };
}
