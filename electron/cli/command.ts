/**
 * What every CLI command is made of: its shape, and the helpers that read its flags the same way in
 * every command. Commands import this module; the list of commands (commands.ts) imports them.
 */
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CallArgs, CallName, CallResult } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { Services } from '../services';
import { dispatch } from '../services/dispatch';

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Set by the bin: Ctrl-C, SIGTERM and SIGHUP (a closed terminal) for long-running commands; the handler gets the signal. */
  onInterrupt?(handler: (signal: NodeJS.Signals) => void): () => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], services: Services, io: CommandIo): Promise<number>;
}

/** The version of every `--json` shape (shared/cli-json/): raised only when a field changes meaning or goes away. */
export const SCHEMA_VERSION = 1;

/** Bad input in one flag: the JSON error names it in `field`. */
export class FlagError extends AppError {
  constructor(
    readonly field: string,
    message: string,
    hint?: string,
  ) {
    super('invalid_input', message, { hint });
  }
}

/** The closest of `candidates` to `word` by edit distance, when it is close enough to be a typo. */
export function nearest(word: string, candidates: readonly string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of candidates) {
    // Levenshtein distance, one row at a time.
    let row = Array.from({ length: name.length + 1 }, (_, j) => j);
    for (let i = 1; i <= word.length; i++) {
      const next = [i];
      for (let j = 1; j <= name.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (word[i - 1] === name[j - 1] ? 0 : 1));
      row = next;
    }
    const distance = row[name.length]!;
    if (!best || distance < best.distance) best = { name, distance };
  }
  // A third of the word may be wrong (two letters swapped in 'stauts' are 2 of 6), never more than 2.
  return best && best.distance <= Math.min(2, Math.max(1, Math.floor(word.length / 3))) ? best.name : null;
}

/** parseArgs, with its errors turned into one-line bad-input errors that name the flag. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (error) {
    const hint = usage.split('\n')[0];
    const code = (error as { code?: string }).code;
    const named = /'(-[^' ]*)/.exec(error instanceof Error ? error.message : '')?.[1] ?? null;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && named) {
      const guess = nearest(named.replace(/^-+/, ''), Object.keys(options));
      throw new FlagError(named, `unknown option '${named}'.${guess ? ` Did you mean '--${guess}'?` : ''}`, hint);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && named) {
      const option = options[named.replace(/^-+/, '')];
      throw new FlagError(named, option?.type === 'boolean' ? `${named} takes no value.` : `${named} needs a value.`, hint);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const word = /'([^']*)'/.exec((error as Error).message)?.[1] ?? '';
      throw new FlagError(word, `unexpected argument '${word}': every value follows its flag.`, hint);
    }
    throw new AppError('invalid_input', error instanceof Error ? error.message.split('\n')[0]! : String(error), { hint });
  }
}

/** A `--json` document: one object, `schemaVersion` first. */
export function printJson(io: CommandIo, value: object): void {
  io.out(`${JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...value }, null, 2)}\n`);
}

/** One line of `--json` progress (JSON Lines): one object a line, `schemaVersion` first. */
export function printJsonLine(io: CommandIo, value: object): void {
  io.out(`${JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...value })}\n`);
}

/** Every time in `--json` output: ISO 8601 in UTC. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

/**
 * The one path rule of the CLI: a path given in a flag (`--dir`, `--config`) is taken as a shell
 * user means it, relative to the working directory; `~/` is left for the services, which read it
 * as the home folder.
 */
export function pathFlag(value: string, cwd = process.cwd()): string {
  const trimmed = value.trim();
  if (trimmed === '~' || trimmed.startsWith('~/')) return trimmed;
  return path.resolve(cwd, trimmed);
}

/** `--dir`, which the command cannot do without, through the path rule. */
export function requireDir(dir: string | undefined, usage: string, what = 'the lab folder (the one with lab.json)'): string {
  if (!dir) throw new FlagError('--dir', `--dir is required: ${what}.`, usage.split('\n')[0]);
  return pathFlag(dir);
}

/**
 * A service call from the CLI, the way every shell makes it: through the dispatcher, so the
 * contract's schema checks the arguments; an error comes back as the AppError it was.
 */
export async function call<K extends CallName>(services: Services, name: K, args: CallArgs<K>): Promise<CallResult<K>> {
  const envelope = await dispatch(services.handlers, name, args);
  if (envelope.ok) return envelope.value as CallResult<K>;
  const { code, message, hint, issues } = envelope.error;
  throw new AppError(code, message, { hint, issues });
}
