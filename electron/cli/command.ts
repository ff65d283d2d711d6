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

/** parseArgs, with its errors turned into bad-input errors that name the flag. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (error) {
    throw new AppError('invalid_input', error instanceof Error ? error.message : String(error), { hint: usage.split('\n')[0] });
  }
}

export function printJson(io: CommandIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

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
  if (!dir) throw new AppError('invalid_input', `--dir is required: ${what}.`, { hint: usage.split('\n')[0] });
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
