import { AppError } from '../../shared/errors';
import { RECONNECT_HINT, RECURSION_BLOCK_SINCE, ROUTE_CONTROLLER_SINCE, type TelepresenceState } from '../../shared/telepresence';
import { setRecursionBlock, telepresenceState } from '../services/telepresence';
import { call, parseFlags, pathFlag, printJson, requireDir, type Command } from './command';
import { runJob } from './jobs';

const usage = `Usage: cluster-lab telepresence --recursion-block DURATION [--config PATH]
       cluster-lab telepresence --remove [--config PATH]
       cluster-lab telepresence --show [--config PATH] [--json]
       cluster-lab telepresence --route-controller --dir DIR [--json]
Sets, removes or shows routing.recursionBlockDuration in Telepresence's client config.yml (acted on by
Telepresence ${RECURSION_BLOCK_SINCE.replace(/\.0$/, '')} to 2.26; ${ROUTE_CONTROLLER_SINCE.replace(/\.0$/, '')} and later ignore it for the cluster-side route controller). DURATION is a Go duration such as 1ms (the usual value), 500us or 2s.
Comments and other settings in the file are kept; the previous version is backed up beside it.
A file that is not valid YAML is left as it is (exit 2); one that is read-only, a FIFO, a device or a
link to nothing is refused. --config PATH uses that file instead of Telepresence's own.
--route-controller installs Telepresence's cluster-side fix into the lab in DIR (Telepresence 2.27 or
later): telepresence helm install, or upgrade --reuse-values when a traffic-manager release is deployed,
with routeController.enabled=true for the lab's service CIDR, in cluster.defaultManagerNamespace (default
ambassador), against the lab's own kubeconfig, never your current context; then shows the DaemonSet.
`;

function describeState(state: TelepresenceState): string {
  const value = state.recursionBlockDuration
    ? `routing.recursionBlockDuration: ${state.recursionBlockDuration}`
    : 'routing.recursionBlockDuration is not set';
  const lines = [`${state.path}${state.exists ? '' : ' (does not exist yet)'}`, `  ${state.problem ?? value}`];
  if (state.backupPath) lines.push(`  previous version kept as ${state.backupPath}`);
  if (state.system.path)
    lines.push(
      `  the system config ${state.system.path} sets it to ${state.system.recursionBlockDuration}${state.recursionBlockDuration ? ' (this file overrides it)' : ' (in effect: this file does not set it)'}`,
    );
  else if (state.system.paths.length) lines.push(`  the system config this client reads (${state.system.paths.join(', ')}) does not set it`);
  const binary = state.binary.found
    ? `telepresence ${state.binary.version ?? '(version unknown)'} at ${state.binary.path}`
    : 'telepresence is not installed';
  const ignored =
    state.recursionBlockHonoured !== false
      ? ''
      : state.routeController.available
        ? ` — this version ignores the setting (${ROUTE_CONTROLLER_SINCE} replaced it with the cluster-side route controller: telepresence helm install --set routeController.enabled=true)`
        : ` — this version ignores the setting (it needs ${RECURSION_BLOCK_SINCE})`;
  lines.push(`  ${binary}${ignored}`);
  lines.push(`  ${state.vif.note}`);
  // Only a running Telepresence (VIF up, or not known) has read the old value.
  if (state.written && state.vif.up !== false) lines.push(`  ${RECONNECT_HINT}`);
  return `${lines.join('\n')}\n`;
}

export const telepresenceCommand: Command = {
  name: 'telepresence',
  summary: 'set, remove or show Telepresence’s routing.recursionBlockDuration',
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(
      argv,
      {
        'recursion-block': { type: 'string' },
        remove: { type: 'boolean', default: false },
        show: { type: 'boolean', default: false },
        'route-controller': { type: 'boolean', default: false },
        dir: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    const chosen = [values['recursion-block'] !== undefined, values.remove, values.show, values['route-controller']].filter(Boolean).length;
    if (chosen !== 1) {
      throw new AppError('invalid_input', 'Give exactly one of --recursion-block DURATION, --remove, --show or --route-controller.', {
        hint: usage.split('\n')[0],
      });
    }
    if (values['route-controller'])
      return runJob(services, io, { dir: requireDir(values.dir, usage), kind: 'route-controller' }, { json: values.json });
    // --config is the CLI's alone: the contract carries no path from the page, so with it the
    // command calls the service itself (the duration is still checked there).
    const configPath = values.config === undefined ? undefined : pathFlag(values.config).replace(/^~(?=$|\/)/, services.ctx.homeDir);
    const duration = values.remove ? null : values['recursion-block']!;
    const state = values.show
      ? await (configPath ? telepresenceState(services.ctx, configPath) : call(services, 'telepresence.state', {}))
      : await (
          configPath ? setRecursionBlock(services.ctx, duration, configPath) : call(services, 'telepresence.setRecursionBlock', { duration })
        ).catch((error: unknown) => {
          // The message already names the setting and gives examples; its per-field copy would only repeat it here.
          if (error instanceof AppError && error.issues?.length) throw new AppError(error.code, error.message, { hint: error.hint });
          throw error;
        });
    if (values.json)
      printJson(io, {
        path: state.path,
        exists: state.exists,
        recursionBlockDuration: state.recursionBlockDuration,
        problem: state.problem,
        recursionBlockHonoured: state.recursionBlockHonoured,
        routeController: state.routeController,
        system: state.system,
        binary: { path: state.binary.path, version: state.binary.version },
      });
    else io.out(describeState(state));
    if (values.show && state.problem) {
      io.err(`cluster-lab telepresence: ${state.problem}\n`);
      return 2;
    }
    return 0;
  },
};
