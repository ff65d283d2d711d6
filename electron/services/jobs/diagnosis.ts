/**
 * Why a child failed, in words a person can act on: which machine and what it was doing (from
 * Vagrant's `==> name: action` lines), Vagrant's machine lock, and the last error lines.
 */
import path from 'node:path';
import type { LogLine } from '../../../shared/jobs';
import { stripAnsi } from '../../../shared/lines';
import { isErrorLine, lockedHint, lockedMachine } from '../../../shared/vagrantOutput';
import type { StreamResult } from '../process';
import { knownCause } from './causes';
import { StepFailure } from './job';

export interface ChildEnd {
  step: string;
  file: string;
  args: string[];
  result: StreamResult;
  /** The child's last lines. */
  tail: LogLine[];
  /** For Vagrant: the machine the last tagged line spoke for and its last action. */
  stopped: { node: string | null; action: string | null };
}

/** How many of the failing machine's last lines a failure shows beside the error lines. */
const GUEST_LAST_WORDS = 2;

/** The lines a machine's guest printed after its last `==> NAME:` action line (Vagrant's detail lines, four spaces in). */
function scriptOutput(tail: LogLine[], node: string): LogLine[] {
  const own = tail.filter((line) => line.node === node);
  const lastAction = own.findLastIndex((line) => stripAnsi(line.text).startsWith(`==> ${node}: `));
  return own.slice(lastAction + 1).filter((line) => stripAnsi(line.text).startsWith(`    ${node}: `));
}

export function childFailure({ step, file, args, result, tail, stopped }: ChildEnd): StepFailure {
  const text = tail.map((line) => stripAnsi(line.text)).join('\n');
  const locked = lockedMachine(text);
  const cause = locked ? null : knownCause(tail.map((line) => line.text));
  // The guest's own last words too, when a provisioner failed: Vagrant prints a guest's stderr on
  // stdout, and the provisioners explain a failure in a plain sentence ("the default routes are not
  // the lab's") that no error word marks, just before Vagrant's own "non-zero exit status". Only the
  // script's output after "Running provisioner", never Vagrant's progress lines.
  const provisioning = stopped.node !== null && /^Running provisioner\b/.test(stopped.action ?? '');
  const guestLast = new Set(provisioning ? scriptOutput(tail, stopped.node!).slice(-GUEST_LAST_WORDS) : []);
  const errors = tail.filter((line) => line.stream === 'stderr' || isErrorLine(line.text) || guestLast.has(line)).map((line) => stripAnsi(line.text));
  const lastLines = (errors.length ? errors : tail.map((line) => stripAnsi(line.text))).slice(-10);
  const tool = path.basename(file).replace(/\.exe$/i, '');
  const exit = result.exitCode === null ? `was stopped by ${result.signal ?? 'a signal'}` : `exited with ${result.exitCode}`;
  const machine = locked?.machine ?? stopped.node;
  const doing = stopped.action ? ` while "${stopped.action.replace(/\.\.\.$/, '')}"` : '';
  return new StepFailure(
    {
      machine,
      step,
      message: locked
        ? `Vagrant says machine "${locked.machine ?? 'unknown'}" is locked by another process.`
        : `${tool} ${args[0] === '--kubeconfig' ? args.slice(2).join(' ') : args[0]} failed${machine ? ` on ${machine}` : ''}${doing} (${exit}).`,
      hint: locked
        ? lockedHint
        : cause
          ? `${cause.cause} ${cause.hint}`
          : 'The highlighted lines below are the last errors; the whole log is in the log file. Fix the cause, then run the step again (Provision re-runs the install scripts on running VMs).',
      lastLines,
    },
    result.exitCode,
  );
}

/** The child could not even start. */
export function spawnFailure(step: string, file: string, spawnError: string): StepFailure {
  return new StepFailure(
    {
      machine: null,
      step,
      message: `Could not start ${file}: ${spawnError}.`,
      hint: 'Check the installation (Check machine step), then try again.',
      lastLines: [],
    },
    null,
  );
}
