/**
 * The one way Cluster Lab runs a short-lived tool: execa with an argument array (never a shell),
 * stdin closed so nothing can wait on a prompt, a timeout, and no rejection on a non-zero exit
 * (callers decide what an exit code means).
 */
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { posixSignal, windowsStopCommand, type StopStage } from './signals';

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

export interface StreamOptions extends Omit<RunOptions, 'timeoutMs'> {
  onStdout(chunk: Uint8Array): void;
  onStderr(chunk: Uint8Array): void;
}

export interface StreamResult {
  exitCode: number | null;
  signal: string | null;
  /** Set when the process could not start at all (ENOENT, EACCES). */
  spawnError: string | null;
}

export interface StreamingProcess {
  pid: number | undefined;
  /** Settles when the process has exited and its output is read to the end. */
  done: Promise<StreamResult>;
  /** One stop stage for the process and everything it started (Vagrant runs VBoxManage and ssh); false when it could not be delivered. */
  signalTree(stage: StopStage): Promise<boolean>;
  /** Whether anything of the tree still runs (a child may outlive its parent). */
  treeAlive(): boolean;
  /** Stop reading until `resume` (the reader's sink is full): the child then waits on its pipe, nothing is lost. */
  pause(): void;
  resume(): void;
}

/**
 * Whether anything of process group `pgid` still runs. A zombie does not: it has exited and only
 * waits for a parent that may never reap it (an orphan under a PID 1 that does not reap, as in many
 * containers), yet kill(-pgid, 0) still finds it. On Linux /proc says which members are zombies
 * (proc(5): field 3, state Z; field 5, the process group); elsewhere kill(0) is the test.
 */
export function groupAlive(pgid: number, procDir = '/proc'): boolean {
  let entries: string[] | null = null;
  try {
    entries = readdirSync(procDir).filter((name) => /^\d+$/.test(name));
  } catch {
    // no /proc (macOS)
  }
  if (entries) {
    return entries.some((pid) => {
      const stat = procStat(path.join(procDir, pid, 'stat'));
      return stat !== null && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
    });
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A /proc/PID/stat line's state and process group; the command name may hold spaces and parentheses. */
export function parseProcStat(line: string): { state: string; pgrp: number } | null {
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  const pgrp = Number(fields[2]);
  return fields[0] && Number.isInteger(pgrp) ? { state: fields[0], pgrp } : null;
}

function procStat(file: string): { state: string; pgrp: number } | null {
  try {
    return parseProcStat(readFileSync(file, 'utf8'));
  } catch {
    return null; // gone meanwhile
  }
}

/**
 * One stop stage for process `pid` and everything it started: on POSIX a signal to its process group
 * (it leads one: streamTool starts it detached), on Windows its console and tree (signals.ts).
 * False when it could not be delivered.
 */
export async function signalProcessTree(pid: number, stage: StopStage, platform: NodeJS.Platform): Promise<boolean> {
  if (platform === 'win32') {
    const command = windowsStopCommand(stage === 'interrupt' ? 'interrupt' : 'kill', pid);
    return (await runTool(command.file, command.args, { timeoutMs: 15_000 })).exitCode === 0;
  }
  try {
    process.kill(-pid, posixSignal[stage]);
    return true;
  } catch {
    return false; // the group is gone already
  }
}

/** How long output may still arrive after the exit before a stray grandchild holding the pipe is ignored. */
const DRAIN_AFTER_EXIT_MS = 2_000;

/**
 * The one way Cluster Lab runs a long tool whose output is watched live: execa with an argument
 * array, stdin closed, nothing buffered (both streams are handed over chunk by chunk as they
 * arrive). On POSIX it leads its own process group so a cancel reaches the whole tree; on Windows
 * the stop stages go to its console and its tree (signals.ts).
 */
export function streamTool(file: string, args: readonly string[], options: StreamOptions): StreamingProcess {
  const windows = process.platform === 'win32';
  const child = execa(file, args, {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    encoding: 'buffer',
    reject: false,
    env: options.env,
    extendEnv: options.env === undefined,
    cwd: options.cwd,
    windowsHide: true,
    detached: !windows,
    forceKillAfterDelay: false,
  });
  child.catch(() => {});
  let lastData = Date.now();
  let paused = false;
  child.stdout?.on('data', (chunk: Uint8Array) => {
    lastData = Date.now();
    options.onStdout(chunk);
  });
  child.stderr?.on('data', (chunk: Uint8Array) => {
    lastData = Date.now();
    options.onStderr(chunk);
  });

  const done = new Promise<StreamResult>((resolve) => {
    let spawnError: string | null = null;
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        spawnError = error.code === 'ENOENT' ? `${file} was not found` : error.message;
        resolve({ exitCode: null, signal: null, spawnError });
      }
    });
    child.once('exit', (exitCode, signal) => {
      const result = { exitCode, signal, spawnError };
      // Output still flowing (or held back by a slow reader) is read to the end; a pipe that stays
      // open but silent belongs to a stray grandchild and is let go.
      const timer = setInterval(() => {
        if (paused || Date.now() - lastData < DRAIN_AFTER_EXIT_MS) return;
        clearInterval(timer);
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve(result);
      }, 250);
      child.once('close', () => {
        clearInterval(timer);
        resolve(result);
      });
    });
  });

  const signalTree = async (stage: StopStage) => (child.pid === undefined ? false : signalProcessTree(child.pid, stage, process.platform));

  const treeAlive = () => {
    const pid = child.pid;
    if (pid === undefined) return false;
    if (windows) return child.exitCode === null;
    return groupAlive(pid);
  };

  const streams = [child.stdout, child.stderr];
  return {
    pid: child.pid,
    done,
    signalTree,
    treeAlive,
    pause: () => {
      paused = true;
      streams.forEach((stream) => stream?.pause());
    },
    resume: () => {
      paused = false;
      lastData = Date.now();
      streams.forEach((stream) => stream?.resume());
    },
  };
}
