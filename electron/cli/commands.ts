/** The CLI's commands: each adapts one or more services; none does work of its own. */
import type { Command } from './command';
import { checkCommand } from './check';
import { doctorCommand } from './doctor';
import { historyCommand } from './history';
import { jobCommands } from './jobs';
import { k3sCommand } from './k3s';
import { kubeconfigCommand } from './kubeconfig';
import { labsCommand } from './labs';
import { nicsCommand } from './nics';
import { planCommand } from './plan';
import { renderCommand } from './render';
import { telepresenceCommand } from './telepresence';

const job = (name: string): Command => {
  const command = jobCommands.find((c) => c.name === name);
  if (!command) throw new Error(`No job command ${name}`);
  return command;
};

/** In the order of the README's flow, which --help lists them in: prepare, bring up, use, put away. */
export const commands: Command[] = [
  doctorCommand,
  labsCommand,
  nicsCommand,
  planCommand,
  renderCommand,
  k3sCommand,
  job('up'),
  job('status'),
  historyCommand,
  checkCommand,
  kubeconfigCommand,
  telepresenceCommand,
  job('down'),
  job('provision'),
  job('destroy'),
];
