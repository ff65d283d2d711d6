/**
 * The lab check, run: every running node is asked through one `vagrant ssh MACHINE -c SCRIPT`
 * (stdin closed, a time limit, the script fixed), and judged with what Kubernetes says of it.
 */
import path from 'node:path';
import { labMachines } from '../../shared/lab/machines';
import {
  checkScript,
  judgeNode,
  parseCheckOutput,
  vifSubnetsFromIpRoute,
  vifSubnetsFromNetstat,
  vifTargets,
  type LabCheck,
  type NodeCheck,
} from '../../shared/labCheck';
import type { ServiceContext } from './context';
import { getNodes, LAB_KUBECONFIG } from './kubectl';
import { assertLabAsRendered } from './labAsRendered';
import { openLab } from './labFolder';
import { recordCheck, recordStates } from './labs/recorded';
import { runTool } from './process';
import { findExecutable, requireTools } from './tools';
import { vagrantEnv, vagrantStatus } from './vagrant';

/**
 * The subnets the host's Telepresence VIF routes now: Linux `ip -4 route show` (tel*), macOS
 * `netstat -rn -f inet` (utun*); none when it is not up, cannot be read, or on Windows (not read yet).
 */
async function hostVifSubnets(ctx: ServiceContext): Promise<string[]> {
  const command =
    ctx.platform === 'linux'
      ? { tool: 'ip', args: ['-4', 'route', 'show'], parse: vifSubnetsFromIpRoute }
      : ctx.platform === 'darwin'
        ? { tool: 'netstat', args: ['-rn', '-f', 'inet'], parse: vifSubnetsFromNetstat }
        : null;
  if (!command) return [];
  const file = await findExecutable(command.tool, ctx);
  const result = file ? await runTool(file, command.args, { env: ctx.env, timeoutMs: 5_000 }) : null;
  return result?.exitCode === 0 ? command.parse(result.stdout) : [];
}

export async function checkLab(ctx: ServiceContext, dir: string): Promise<LabCheck> {
  const config = await openLab(dir);
  await assertLabAsRendered(dir, config);
  const tools = await requireTools(ctx, ['vagrant']);
  const [states, vif] = await Promise.all([vagrantStatus(tools.vagrant, dir, ctx), hostVifSubnets(ctx)]);
  const script = checkScript(vifTargets(vif));
  const kubectl = await findExecutable('kubectl', ctx);
  const kube = kubectl ? await getNodes(kubectl, path.join(dir, LAB_KUBECONFIG), ctx) : { error: 'kubectl is not installed' };
  const kubeView = 'error' in kube ? kube : { nodes: kube.nodes.map((n) => ({ name: n.name, internalIp: n.internalIp })) };
  const nodes = await Promise.all(
    labMachines(config).map(async (machine): Promise<NodeCheck> => {
      const state = states.find((s) => s.name === machine.machine);
      if (state?.state !== 'running')
        return {
          machine: machine.machine,
          ok: null,
          checks: [{ id: 'reach', ok: false, detail: `Not checked: the VM is ${state?.short ?? 'unknown'}.` }],
        };
      const run = await runTool(tools.vagrant, ['ssh', machine.machine, '-c', script], { cwd: dir, env: vagrantEnv(ctx), timeoutMs: 60_000 });
      const facts = parseCheckOutput(run.stdout);
      if (!facts) {
        const why = run.timedOut
          ? 'it did not answer within 60 s'
          : (run.stderr || run.stdout).trim().split('\n').slice(-2).join(' ') || `exit ${run.exitCode}`;
        return { machine: machine.machine, ok: null, checks: [{ id: 'reach', ok: false, detail: `Not checked: vagrant ssh failed (${why}).` }] };
      }
      return judgeNode(config, machine, facts, kubeView);
    }),
  );
  const check: LabCheck = { ok: nodes.every((node) => node.ok === true), checkedAt: new Date().toISOString(), nodes };
  // Kept in the lab folder for the list of labs (its verdict and age), the CLI's included.
  await recordStates(dir, states);
  await recordCheck(dir, check);
  return check;
}
