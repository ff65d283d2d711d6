/** The CLI's commands: each adapts one or more services; none does work of its own. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../../shared/errors';
import type { Services } from '../services';
import { doctorCommand } from './doctor';
import { jobCommands } from './jobs';
import { nicsCommand } from './nics';
import { planCommand } from './plan';
import { renderCommand } from './render';
import { telepresenceCommand } from './telepresence';

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Set by the bin: Ctrl-C handling for long-running commands. */
  onInterrupt?(handler: () => void): () => void;
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

export const commands: Command[] = [doctorCommand, nicsCommand, planCommand, renderCommand, telepresenceCommand, ...jobCommands];
