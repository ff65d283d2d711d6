/** The CLI's commands: each adapts one or more services; none does work of its own. */
import type { Command } from './command';
import { checkCommand } from './check';
import { doctorCommand } from './doctor';
import { jobCommands } from './jobs';
import { kubeconfigCommand } from './kubeconfig';
import { nicsCommand } from './nics';
import { planCommand } from './plan';
import { renderCommand } from './render';
import { telepresenceCommand } from './telepresence';

export const commands: Command[] = [
  doctorCommand,
  nicsCommand,
  planCommand,
  renderCommand,
  kubeconfigCommand,
  checkCommand,
  telepresenceCommand,
  ...jobCommands,
];
