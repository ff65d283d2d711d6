/**
 * Reading what Vagrant prints: `--machine-readable` records (status), the human lines of `up`,
 * `halt`, `provision` (which machine a line speaks for, which lines are errors) and its "machine
 * is locked" refusal. Pure, so the real tool's output and the fake's are parsed by the same code.
 */
import { stripAnsi } from './lines';
import type { VagrantState } from './jobs';

export interface MachineRecord {
  timestamp: number;
  /** The machine the record is about; '' for the whole environment. */
  target: string;
  type: string;
  data: string[];
}

/**
 * Undoes Vagrant's escapes in machine-readable fields: commas as `%!(VAGRANT_COMMA)`, LF as `\n`,
 * CR as `\r` (vagrant 2.3.4 lib/vagrant/ui.rb, MachineReadable#machine). It cannot be exact:
 * Vagrant does not escape backslashes (nor a literal `%!(VAGRANT_COMMA)`), so a field holding a
 * backslash and an `n` (`C:\new`) and one holding a line break (`C:`, LF, `ew`) print the same
 * bytes. They are read as the line break, which is what multi-line messages (`error-exit`, `ui`)
 * need; a Windows path with `\n` or `\r` in it comes back with a break in it. Other backslashes
 * (`C:\temp`, `\\`) stay as they are.
 */
export function unescapeField(field: string): string {
  return field.replaceAll('%!(VAGRANT_COMMA)', ',').replace(/\\([nr])/g, (_, c: string) => (c === 'n' ? '\n' : '\r'));
}

/** One `timestamp,target,type,data...` record; null for anything else (a human line, a warning). */
export function parseMachineRecord(line: string): MachineRecord | null {
  const match = /^(\d+),([^,]*),([^,]+)(?:,(.*))?$/.exec(stripAnsi(line).trimEnd());
  if (!match) return null;
  return {
    timestamp: Number(match[1]),
    target: match[2]!,
    type: match[3]!,
    data: match[4] === undefined ? [] : match[4].split(',').map(unescapeField),
  };
}

export function parseMachineReadable(text: string): MachineRecord[] {
  return text.split(/\r?\n/).flatMap((line) => parseMachineRecord(line) ?? []);
}

export interface MachineState {
  name: string;
  state: VagrantState;
  /** `running`, `not created`, `poweroff`: what `vagrant status` shows a person. */
  short: string;
  long: string;
  provider: string | null;
}

/** Per machine, in Vagrant's order: the state records of `vagrant status --machine-readable`. */
export function machineStates(records: MachineRecord[]): MachineState[] {
  const byName = new Map<string, MachineState>();
  const get = (name: string) => {
    let state = byName.get(name);
    if (!state) byName.set(name, (state = { name, state: 'unknown', short: 'unknown', long: '', provider: null }));
    return state;
  };
  for (const record of records) {
    if (!record.target) continue;
    const value = record.data[0] ?? '';
    if (record.type === 'state') get(record.target).state = value;
    else if (record.type === 'state-human-short') get(record.target).short = value;
    else if (record.type === 'state-human-long') get(record.target).long = value;
    else if (record.type === 'provider-name') get(record.target).provider = value;
    else if (record.type === 'metadata' && value === 'provider') get(record.target).provider ??= record.data[1] ?? null;
  }
  return [...byName.values()];
}

/** Vagrant's own error record (`error-exit,Vagrant::Errors::...,message`), if the output has one. */
export function machineReadableError(records: MachineRecord[]): { kind: string; message: string } | null {
  const record = records.findLast((r) => r.type === 'error-exit');
  return record ? { kind: record.data[0] ?? '', message: record.data[1] ?? '' } : null;
}

const humanTag = /^(?:==> | {4})([A-Za-z0-9][\w.-]*): /;
const recordTag = /^\d+,([A-Za-z0-9][\w.-]*),/;
// eslint-disable-next-line no-control-regex
const leadingAnsi = /^(?:\x1b\[[0-?]*[ -/]*[@-~])+/;

/**
 * The machine a line speaks for: `==> server: Booting VM...`, `    server: SSH address: ...`, or the
 * target of a machine-readable record. With `machines`, only those names count (so an indented
 * `    Warning: ...` is not taken for a machine called Warning).
 */
export function lineNode(line: string, machines?: ReadonlySet<string>): string | null {
  // The tag starts the line, maybe after colour codes: only those are skipped (this runs for every line of a flood).
  const plain = line.charCodeAt(0) === 27 ? line.replace(leadingAnsi, '') : line;
  const name = humanTag.exec(plain)?.[1] ?? recordTag.exec(plain)?.[1] ?? null;
  if (name === null) return null;
  return machines && !machines.has(name) ? null : name;
}

const errorWords =
  /\b(error|errors|failed|failure|fatal|panic|unable to|could not|couldn't|cannot|can't|non-zero exit|timed out|refused)\b|^Stderr:|^\s*\*\s/i;

/** A line worth showing a person when a job fails: Vagrant's, the guest's or kubectl's complaint. */
export function isErrorLine(line: string): boolean {
  const plain = stripAnsi(line).replace(humanTag, '');
  return errorWords.test(plain) && !/\b0 errors?\b/i.test(plain);
}

/**
 * Vagrant refuses a machine another vagrant process is working on (`MachineActionLockedError`,
 * `EnvironmentLockedError`); which machine, when the text says.
 */
export function lockedMachine(text: string): { machine: string | null } | null {
  const plain = stripAnsi(text);
  if (
    !/another process is already executing an action on the machine|Vagrant can't use the requested machine because it is locked|Vagrant locks each machine/i.test(
      plain,
    )
  )
    return null;
  return { machine: /on the machine '([^']+)'/.exec(plain)?.[1] ?? /^\s*Name:\s*(\S+)/m.exec(plain)?.[1] ?? null };
}

export const lockedHint =
  'Another Vagrant process (a terminal, another Cluster Lab window or a crashed run) is working on that machine. Wait for it to finish, or stop it (look for "vagrant" or "ruby" processes), then try again.';
