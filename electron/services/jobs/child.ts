/**
 * A job's child process: every chunk it prints goes to the log as it arrives (the disk sets the
 * pace), a non-zero exit becomes a failure that names the machine, and Cancel stops the whole
 * process tree in stages: Ctrl-C first so Vagrant can clean up, then SIGTERM, then SIGKILL (on Windows: Ctrl-C on its console, then taskkill /F; signals.ts).
 */
import path from 'node:path';
import { streamTool, type StreamingProcess } from '../process';
import { stopStages, stopStageText, type StopStage } from '../signals';
import { childFailure, spawnFailure } from './diagnosis';
import { Cancelled, type Job } from './job';
import { processStart } from '../processLiveness';
import { delay, within } from '../time';

export interface StopTimings {
  /** How long Vagrant gets to clean up after Ctrl-C, then after SIGTERM, before SIGKILL. */
  sigintWaitMs: number;
  sigtermWaitMs: number;
}

export interface ChildSpec {
  /** The step's label, for a failure. */
  step: string;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The one Vagrant machine the command works on, when it is one. */
  machine?: string;
}

export async function runChild(job: Job, { step, file, args, env, machine }: ChildSpec): Promise<void> {
  job.log.app(`$ ${path.basename(file)} ${args.join(' ')}`);
  const log = job.log.child();
  const collect = job.info.kind === 'status';
  // The disk sets the pace when it is slower than the child: reading pauses, nothing piles up in memory.
  let paused = false;
  const take = (stream: 'stdout' | 'stderr', chunk: Uint8Array) => {
    if (log.chunk(stream, chunk) || paused) return;
    paused = true;
    child.pause();
    log.whenDrained(() => {
      paused = false;
      child.resume();
    });
  };
  const child = streamTool(file, args, {
    cwd: job.info.dir,
    env,
    onStdout: (chunk) => {
      if (collect) job.statusOutput += Buffer.from(chunk).toString('utf8');
      take('stdout', chunk);
    },
    onStderr: (chunk) => take('stderr', chunk),
  });
  job.children.add(child);
  const recorded = child.pid === undefined ? null : recordChild(job, child.pid, `${path.basename(file)} ${args.join(' ')}`);
  const result = await child.done;
  job.children.delete(child);
  if (recorded) await recorded.then((pid) => (pid === null ? undefined : job.lock.removeChild(pid))).catch(() => {});
  log.end();
  if (job.cancelRequested) throw new Cancelled();
  if (result.spawnError) throw spawnFailure(step, file, result.spawnError);
  if (result.exitCode === 0) return;
  const isVagrant = path.basename(file).replace(/\.exe$/i, '') === 'vagrant';
  const stopped = isVagrant ? log.whereItStopped() : { node: null, action: null };
  throw childFailure({
    step,
    file,
    args,
    result,
    tail: log.lastLines(60),
    stopped: machine ? { node: machine, action: stopped.node === machine ? stopped.action : null } : stopped,
  });
}

/** The child in the lab's lock, so a later start finds it if this process dies; a lock that cannot be written costs a log line, not the job. */
async function recordChild(job: Job, pid: number, command: string): Promise<number | null> {
  try {
    await job.lock.addChild({ pid, start: await processStart(pid), command });
    return pid;
  } catch (error) {
    job.log.app(`Could not record ${command} (process ${pid}) in the lab's lock: ${(error as Error).message}`);
    return null;
  }
}

export async function stopTree(job: Job, child: StreamingProcess, timings: StopTimings, platform: NodeJS.Platform = process.platform): Promise<void> {
  const { log } = job;
  const waitMs: Record<StopStage, number> = { interrupt: timings.sigintWaitMs, terminate: timings.sigtermWaitMs, kill: 0 };
  let previous: StopStage | null = null;
  for (const stage of stopStages(platform)) {
    const what = stopStageText(platform, stage);
    if (previous) log.app(`Still running ${waitMs[previous] / 1000} s after ${stopStageText(platform, previous)}: sending ${what}.`);
    const delivered = await child.signalTree(stage);
    if (!previous) log.app(delivered ? `Sent ${what}.` : `Could not send ${what}; the next step follows if it keeps running.`);
    previous = stage;
    if (stage === 'kill') {
      await child.done;
      break;
    }
    if (await within(child.done, waitMs[stage])) break;
  }
  // The command has ended; anything it started that is still alive (a stuck ssh, a VBoxManage) goes too.
  if (child.treeAlive()) {
    log.app('Processes started by the command are still running: stopping them.');
    await child.signalTree(platform === 'win32' ? 'kill' : 'terminate');
    const deadline = Date.now() + timings.sigtermWaitMs;
    while (child.treeAlive() && Date.now() < deadline) await delay(50);
    if (child.treeAlive()) {
      await child.signalTree('kill');
      const reaped = Date.now() + 2_000;
      while (child.treeAlive() && Date.now() < reaped) await delay(20);
    }
  }
}
