/**
 * `cluster-lab`: the same services as the app, for a terminal. Exit codes: 0 success, 1 failure,
 * 2 bad input (the message names the flag and the fix).
 */
import { describeError, toErrorInfo, type ErrorInfo } from '../../shared/errors';
import { createServices } from '../services';
import { createContext, type ServiceContext } from '../services/context';
import { FlagError, nearest, printJson, type CommandIo } from './command';
import { commands } from './commands';
import { jsonText, terminalText } from './terminalText';
import { version } from './version';

const usage = `Usage: cluster-lab <command> [options]

Builds and runs a bridged Vagrant + VirtualBox + k3s lab that is safe from Telepresence's VIF recursion.

Commands:
${commands.map((c) => `  ${c.name.padEnd(14)}${c.summary}`).join('\n')}

Options:
  --help          show help (also: cluster-lab <command> --help)
  --version       print the version

With --json a command prints one JSON object on stdout (a job: one a line), an error too, each with
"schemaVersion": 1; the README's CLI section lists their JSON Schemas.
`;

export async function main(argv: string[], rawIo: CommandIo, context: Partial<ServiceContext> = {}): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  // The one place output leaves: nothing a guest or a lab folder wrote reaches the terminal as a control sequence.
  const io: CommandIo = {
    ...rawIo,
    out: (text) => rawIo.out(json ? jsonText(text) : terminalText(text)),
    err: (text) => rawIo.err(terminalText(text)),
  };
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${version}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const guess = nearest(
      name,
      commands.map((c) => c.name),
    );
    const message = `unknown command '${name}'.${guess ? ` Did you mean '${guess}'?` : ''}`;
    if (json) printError(io, { code: 'invalid_input', message, hint: 'cluster-lab --help lists the commands.' });
    else io.err(`cluster-lab: ${message}${guess ? '' : ' Run cluster-lab --help for the list.'}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  const services = createServices(createContext(context));
  try {
    return await command.run(rest, services, io);
  } catch (error) {
    const info: ErrorInfo = toErrorInfo(error);
    if (json) printError(io, info, error instanceof FlagError ? error.field : undefined);
    else {
      io.err(`cluster-lab ${name}: ${describeError(info)}\n`);
      for (const issue of info.issues ?? []) io.err(`  ${issue.path}: ${issue.message}\n`);
    }
    return info.code === 'invalid_input' ? 2 : 1;
  } finally {
    await services.dispose();
  }
}

/**
 * An error under `--json`: one object on stdout (shared/cli-json/error.schema.json), so a script
 * reads stdout alone whatever happens; each field issue of a bad input is an entry of `issues`.
 */
function printError(io: CommandIo, info: ErrorInfo, field?: string): void {
  printJson(io, {
    error: {
      code: info.code,
      message: info.message,
      ...(info.hint ? { hint: info.hint } : {}),
      ...(field ? { field } : {}),
      ...(info.issues?.length ? { issues: info.issues.map((issue) => ({ field: issue.path, message: issue.message })) } : {}),
    },
  });
}
