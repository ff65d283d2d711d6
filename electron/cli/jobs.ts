/**
 * `cluster-lab up|down|destroy|provision|status --dir DIR`: the app's jobs in a terminal, with the
 * same log lines on stdout, exit 0 on success and 1 on failure, and Ctrl-C (or SIGTERM, SIGHUP)
 * cancelling the job the way the app's Cancel does (Vagrant gets its Ctrl-C and cleans up).
 */
import os from 'node:os';
import { createInterface } from 'node:readline/promises';
import { AppError } from '../../shared/errors';
import type { JobInfo, JobKind, LabStatus, LogLine } from '../../shared/jobs';
import { labMachines } from '../../shared/lab/machines';
import type { CallArgs } from '../../shared/contract';
import type { Services } from '../services';
import { resolveLabDir } from '../services/labFolder';
import { call, FlagError, isoTime, parseFlags, printJson, printJsonLine, requireDir, type Command, type CommandIo } from './command';

const kinds: { kind: Exclude<JobKind, 'status'>; summary: string; what: string }[] = [
  {
    kind: 'up',
    summary: 'create, boot and provision the lab VMs, write the kubeconfig',
    what: 'Runs vagrant up, writes DIR/kubeconfig.yaml, applies registry.yaml and waits until every node is Ready.',
  },
  { kind: 'down', summary: 'stop the lab VMs (vagrant halt)', what: 'Runs vagrant halt: the VMs stop, their disks stay.' },
  {
    kind: 'destroy',
    summary: 'delete the lab VMs and their disks',
    what: 'Runs vagrant destroy -f: the VMs, their disks and everything in the cluster are deleted. Asks first unless --yes.',
  },
  { kind: 'provision', summary: 're-run the install scripts on the running VMs', what: 'Runs vagrant provision.' },
];

function printLine(io: CommandIo, line: LogLine): void {
  if (line.stream === 'stderr') io.err(`${line.text}\n`);
  else io.out(line.stream === 'app' ? `[cluster-lab] ${line.text}\n` : `${line.text}\n`);
}

function printOutcome(io: CommandIo, job: JobInfo): void {
  if (job.status === 'succeeded') {
    io.out(`[cluster-lab] ${job.kind} succeeded. Log: ${job.logFile}\n`);
    return;
  }
  if (job.status === 'cancelled') {
    io.err(
      `cluster-lab ${job.kind}: cancelled. The VMs are as far as the job got; \`cluster-lab status --dir ${job.dir}\` shows them. Log: ${job.logFile}\n`,
    );
    return;
  }
  const failure = job.failure;
  io.err(`cluster-lab ${job.kind}: ${failure?.message ?? 'failed.'}${failure?.hint ? ` ${failure.hint}` : ''}\n`);
  if (failure?.lastLines.length) io.err(`Last error lines:\n${failure.lastLines.map((l) => `  ${l}`).join('\n')}\n`);
  io.err(`Log: ${job.logFile}\n`);
}

/** A lab's status as `--json` gives it (shared/cli-json/status.schema.json): times in ISO 8601, `error` an object or null. */
export function statusJson(status: LabStatus) {
  return {
    dir: status.dir,
    nodes: status.nodes,
    clusterReachable: status.clusterReachable,
    checkedAt: isoTime(status.checkedAt),
    kubeconfigPath: status.kubeconfigPath,
    error: status.error ? { code: 'failed', message: status.error } : null,
  };
}

/**
 * `--json` progress (shared/cli-json/job-event.schema.json): what changed since the job's last
 * update, one JSON object a line: the job once, each step and each machine of a step when its
 * status changes (every step at first, pending ones too, so a script knows the plan).
 */
function jsonProgress(io: CommandIo): (job: JobInfo) => void {
  const seen = new Map<string, string>();
  const changed = (key: string, status: string) => seen.get(key) !== status && Boolean(seen.set(key, status));
  return (job) => {
    if (changed('job', job.id))
      printJsonLine(io, { type: 'job', id: job.id, kind: job.kind, dir: job.dir, logFile: job.logFile, startedAt: isoTime(job.startedAt) });
    for (const step of job.steps) {
      if (changed(`step ${step.id}`, step.status)) printJsonLine(io, { type: 'step', step: step.id, label: step.label, status: step.status });
      for (const { machine, status } of step.machines ?? [])
        if (changed(`machine ${step.id} ${machine}`, status)) printJsonLine(io, { type: 'machine', step: step.id, machine, status });
    }
  };
}

function printJsonOutcome(io: CommandIo, job: JobInfo, exitCode: number, signal: NodeJS.Signals | null): void {
  const failure = job.failure && { ...job.failure, hint: job.failure.hint ?? null };
  printJsonLine(io, {
    type: 'result',
    kind: job.kind,
    status: job.status,
    exitCode,
    signal,
    startedAt: isoTime(job.startedAt),
    endedAt: isoTime(job.endedAt ?? Date.now()),
    logFile: job.logFile,
    failure: failure ?? null,
  });
}

/**
 * Run one job on a lab to its end: every line of it on stdout (unbatched: the views' batches may omit
 * lines), Ctrl-C, SIGTERM and SIGHUP cancelling it the way the app's Cancel does. Exit 0 when it
 * succeeded, 128 + the signal's number when a signal cancelled it, 1 otherwise. With `stopOrphans`,
 * what a dead job left running on the lab is stopped first.
 */
export async function runJob(
  services: Services,
  io: CommandIo,
  start: CallArgs<'job.start'>,
  options: { stopOrphans?: boolean; json?: boolean } = {},
): Promise<number> {
  let interrupted: NodeJS.Signals | null = null;
  let jobId: string | null = null;
  const cancel = (id: string) => void call(services, 'job.cancel', { jobId: id }).catch(() => {});
  // Watched from before the start: a signal while the first vagrant is being spawned still cancels it.
  const off = io.onInterrupt?.((signal) => {
    if (interrupted) {
      io.err('[cluster-lab] Already cancelling: waiting for Vagrant to clean up.\n');
      return;
    }
    interrupted = signal;
    if (signal !== 'SIGINT') io.err(`[cluster-lab] ${signal}: cancelling the job as Ctrl-C does.\n`);
    if (jobId) cancel(jobId);
  });
  // The shell's convention for a process a signal stopped: 128 + its number (130 for Ctrl-C).
  const signalled = (signal: NodeJS.Signals) => 128 + os.constants.signals[signal];
  const { json } = options;
  const progress = json ? jsonProgress(io) : null;
  const printLog = (line: LogLine) =>
    json ? printJsonLine(io, { type: 'log', seq: line.seq, stream: line.stream, machine: line.node, text: line.text }) : printLine(io, line);
  // A job's first lines come before its first update: under --json they wait for it, so the job line leads.
  let early: LogLine[] | null = json ? [] : null;
  // This process's services run this one job: every update and status on their bus is its own.
  const stops = [
    services.jobs.onLine((_, line) => (early ? early.push(line) : printLog(line))),
    ...(progress
      ? [
          services.ctx.events.on('job.update', (job) => {
            progress(job);
            early?.forEach(printLog);
            early = null;
          }),
          services.ctx.events.on('lab.status', (status) => printJsonLine(io, { type: 'status', lab: statusJson(status) })),
        ]
      : []),
  ];
  try {
    if (options.stopOrphans)
      for (const child of await services.jobs.stopOrphans(resolveLabDir(services.ctx, start.dir)))
        if (json) printJsonLine(io, { type: 'orphanStopped', command: child.command, pid: child.pid });
        else io.out(`[cluster-lab] Stopped ${child.command} (process ${child.pid}), left running by a job whose process had died.\n`);
    if (interrupted) return signalled(interrupted);
    const job = await call(services, 'job.start', start);
    jobId = job.id;
    if (interrupted) cancel(job.id);
    const done = await services.jobs.wait(job.id);
    const signal = interrupted && done.status === 'cancelled' ? (interrupted as NodeJS.Signals) : null;
    const exitCode = done.status === 'succeeded' ? 0 : signal ? signalled(signal) : 1;
    if (json) printJsonOutcome(io, done, exitCode, signal);
    else printOutcome(io, done);
    return exitCode;
  } finally {
    off?.();
    stops.forEach((stop) => stop());
  }
}

/** Whether the person at the terminal agrees; false without a terminal to ask on. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function jobCommand({ kind, summary, what }: (typeof kinds)[number]): Command {
  const ordered = kind === 'up' || kind === 'provision';
  const usage = `Usage: cluster-lab ${kind} --dir DIR${kind === 'destroy' ? ' [--yes]' : ''}${ordered ? ' [--sequential]' : ''} [--stop-orphans] [--json]
${what}${ordered ? "\nThe server goes first; then the agents side by side, or one after another with --sequential (or the\nlab's setting), for a host with few CPUs." : ''}
The log streams to stdout (and to DIR/logs/); Ctrl-C, SIGTERM and SIGHUP cancel cleanly (Vagrant gets Ctrl-C first).
--json prints progress instead, one JSON object a line: job, step, machine, log, status, then result (or error).
--stop-orphans first stops the Vagrant a job left running when its process died (the lab refuses jobs until then).
Exit 0 on success, 1 on failure, 128 + the signal's number when a signal cancelled it (130 for Ctrl-C).
`;
  return {
    name: kind,
    summary,
    usage,
    async run(argv, services, io) {
      const { values } = parseFlags(
        argv,
        {
          dir: { type: 'string' },
          yes: { type: 'boolean', default: false },
          sequential: { type: 'boolean', default: false },
          'stop-orphans': { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
        },
        usage,
      );
      if (values.yes && kind !== 'destroy') throw new FlagError('--yes', `--yes is only for destroy.`, usage.split('\n')[0]);
      if (values.sequential && !ordered)
        throw new FlagError('--sequential', '--sequential is for up and provision: they bring the agents up side by side.', usage.split('\n')[0]);
      const dir = requireDir(values.dir, usage);
      if (kind === 'destroy' && !values.yes) {
        const lab = await call(services, 'lab.open', { dir });
        const machines = labMachines(lab)
          .map((m) => m.machine)
          .join(', ');
        if (!process.stdin.isTTY)
          throw new FlagError(
            '--yes',
            `refusing to delete the VMs (${machines}) of lab "${lab.name}" without confirmation.`,
            'Pass --yes to confirm (there is no terminal to ask on).',
          );
        if (!(await confirm(`Destroy the VMs ${machines} of lab "${lab.name}", their disks and everything in the cluster? [y/N] `)))
          throw new AppError('cancelled', 'Nothing was destroyed.');
      }
      return runJob(
        services,
        io,
        { dir, kind, ...(values.sequential ? { sequential: true } : {}) },
        { stopOrphans: values['stop-orphans'], json: values.json },
      );
    },
  };
}

const statusUsage = `Usage: cluster-lab status --dir DIR [--json]
Shows each VM's Vagrant state and, when the cluster answers, whether its node is Ready. Exit 1 when Vagrant could not be asked.
`;

function printStatus(io: CommandIo, status: LabStatus): void {
  const rows = status.nodes.map((n) => [n.machine, n.name, n.ip, n.vagrantStateText, n.ready === null ? '-' : n.ready ? 'Ready' : 'NotReady']);
  const table = [['MACHINE', 'HOSTNAME', 'IP', 'STATE', 'NODE'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)) + 2);
  for (const row of table)
    io.out(
      `${row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('')
        .trimEnd()}\n`,
    );
  if (status.kubeconfigPath) io.out(`\nkubeconfig: ${status.kubeconfigPath}\n  export KUBECONFIG=${status.kubeconfigPath}\n`);
  if (status.error) io.err(`cluster-lab status: ${status.error}\n`);
}

const statusCommand: Command = {
  name: 'status',
  summary: "show the lab VMs' state and node readiness",
  usage: statusUsage,
  async run(argv, services, io) {
    const { values } = parseFlags(argv, { dir: { type: 'string' }, json: { type: 'boolean', default: false } }, statusUsage);
    const status = await call(services, 'lab.status', { dir: requireDir(values.dir, statusUsage) });
    if (values.json) printJson(io, statusJson(status));
    else printStatus(io, status);
    return status.error ? 1 : 0;
  },
};

export const jobCommands: Command[] = [...kinds.map(jobCommand), statusCommand];
