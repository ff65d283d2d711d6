/**
 * Every step a job can run, in one typed table, and each job kind as a list of those steps. A new
 * step is one entry here; a new job kind is one list (and its name in shared/jobs.ts). A step id
 * that is not in the table does not compile.
 *
 * Up brings the server up alone first, then every agent at once, each with its own `vagrant up
 * NAME`. Vagrant 2.3.4 serialises what must not overlap itself: each machine is locked for one
 * process at a time (lib/vagrant/machine.rb, `action`: lock "machine-action-<id>"), picking
 * forwarded ports is locked across processes with retry (lib/vagrant/action/builtin/
 * handle_forwarded_port_collisions.rb, lock "fpcollision"), and importing a box's linked-clone
 * master is locked by box name with retry (plugins/providers/virtualbox/action/import_master.rb).
 * Adding the box is not locked (lib/vagrant/action/builtin/box_add.rb takes no lock), so the
 * server's `up` downloads it, makes the master and leaves the token the agents wait for before any
 * agent starts.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { TransferProgress } from '../../../shared/bytes';
import type { ToolName } from '../../../shared/host';
import type { JobKind, JobStep, StepStatus } from '../../../shared/jobs';
import { labMachines } from '../../../shared/lab/machines';
import type { LabConfig } from '../../../shared/lab/schema';
import type { ServiceContext } from '../context';
import { LAB_KUBECONFIG, readLabKubeconfig, writeLabKubeconfig } from '../kubectl';
import { checkLab } from '../labCheck';
import { runTool } from '../process';
import { helmAction, labKubeconfigEnv, routeControllerArgs, routeControllerState, routeControllerTarget } from '../routeController';
import { childEnv } from '../tools';
import { vagrantArgs, vagrantEnv } from '../vagrant';
import { runChild } from './child';
import { Cancelled, StepFailure, type Job } from './job';
import { fetchAndPlaceK3s } from './k3sStep';
import { waitNodesReady, type ReadyTimings } from './nodesReady';

/** What a step may use while it runs. */
export interface StepRun {
  ctx: ServiceContext;
  job: Job;
  /** The step's own label, for its failures. */
  label: string;
  timings: ReadyTimings;
  /** Where one of the step's machines is, for the step list and the node table. */
  progress(machine: string, status: StepStatus): void;
  /** The download the step makes now, for the step list; null once it has none. */
  transfer(progress: TransferProgress | null): void;
}

interface Step {
  label: string;
  /** The tools the step runs, found before the job starts. */
  tools: ToolName[];
  /** Whether the step has nothing to do for this lab (shown as skipped). */
  skip?(config: LabConfig): boolean;
  /** The machines the step works on, one `vagrant` each, when there are several. */
  machines?(config: LabConfig): string[];
  run(step: StepRun): Promise<void>;
}

type VagrantCommand = Exclude<JobKind, 'status' | 'route-controller'>;

/** What a machine that got through the command is, for a failure that says which ones did. */
const done: Record<VagrantCommand, string> = { up: 'came up', provision: 'were provisioned', down: 'stopped', destroy: 'were destroyed' };

const listed = (names: string[]) => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/**
 * One `vagrant COMMAND NAME` per machine: side by side, or one after another when the lab says so
 * (the first failure then ends the step). A machine that fails does not stop the others; the
 * step's failure names every one that failed and the ones that got through.
 */
async function onEachMachine(run: StepRun, command: VagrantCommand, machines: string[]): Promise<void> {
  const { ctx, job, label } = run;
  const one = async (machine: string) => {
    run.progress(machine, 'running');
    try {
      await runChild(job, { step: label, file: job.tools.vagrant, args: [...vagrantArgs[command], machine], env: vagrantEnv(ctx), machine });
      run.progress(machine, 'succeeded');
    } catch (error) {
      run.progress(machine, error instanceof Cancelled || job.cancelRequested ? 'cancelled' : 'failed');
      throw error;
    }
  };
  const outcomes: { machine: string; error?: unknown }[] = [];
  if (job.sequential) {
    for (const machine of machines) {
      const error = await one(machine).then(
        () => undefined,
        (e: unknown) => e ?? new Error('failed'),
      );
      outcomes.push({ machine, error });
      if (error) break;
    }
  } else {
    const settled = await Promise.allSettled(machines.map(one));
    settled.forEach((result, i) =>
      outcomes.push({ machine: machines[i]!, error: result.status === 'rejected' ? (result.reason ?? new Error('failed')) : undefined }),
    );
  }
  if (job.cancelRequested || outcomes.some((o) => o.error instanceof Cancelled)) throw new Cancelled();
  const failed = outcomes.filter((o) => o.error);
  if (failed.length === 0) return;
  const first = failed[0]!.error;
  if (!(first instanceof StepFailure)) throw first;
  const through = outcomes.filter((o) => !o.error).map((o) => o.machine);
  const names = failed.map((o) => o.machine);
  const others = failed.length > 1 ? ` (${listed(names.slice(1))} failed too)` : '';
  const survivors = through.length ? ` ${listed(through)} ${done[command]}.` : '';
  throw new StepFailure({ ...first.failure, machine: listed(names), message: `${first.failure.message}${others}${survivors}` }, first.exitCode);
}

const agents = (config: LabConfig) =>
  labMachines(config)
    .filter((m) => m.role === 'agent')
    .map((m) => m.machine);
const server = (config: LabConfig) =>
  labMachines(config)
    .filter((m) => m.role === 'server')
    .map((m) => m.machine);
/** Every machine, agents first: the order Vagrant itself stops and destroys them in when it runs them one by one. */
const everyMachine = (config: LabConfig) =>
  labMachines(config)
    .map((m) => m.machine)
    .reverse();

/** A Vagrant command on some of the lab's machines; VBoxManage is needed too, by Vagrant's VirtualBox provider. */
const vagrant = (label: string, command: VagrantCommand, which: (config: LabConfig) => string[]): Step => ({
  label,
  tools: ['vagrant', 'VBoxManage'],
  skip: (config) => which(config).length === 0,
  machines: which,
  run: (step) => onEachMachine(step, command, which(step.job.config)),
});

const labKubeconfig = (job: Job) => path.join(job.info.dir, LAB_KUBECONFIG);

const table = {
  'k3s-release': {
    label: 'Fetch k3s once, place in shared/',
    tools: [],
    run: (step) => fetchAndPlaceK3s(step),
  },
  'vagrant-up-server': vagrant('vagrant up server (the box, the linked-clone master, the k3s server)', 'up', server),
  'vagrant-up-agents': vagrant('vagrant up the agents', 'up', agents),
  kubeconfig: {
    label: 'Write the kubeconfig',
    tools: [],
    async run({ job }) {
      const file = await writeLabKubeconfig(job.info.dir, job.config);
      job.log.app(`Wrote ${file} (server https://${job.config.server.ip}:6443, context "${job.config.name}").`);
    },
  },
  registry: {
    label: 'Apply registry.yaml',
    tools: ['kubectl'],
    skip: (config) => !config.registry.enabled,
    async run({ ctx, job, label }) {
      const manifest = path.join(job.info.dir, 'registry.yaml');
      const present = await stat(manifest).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!present)
        throw new StepFailure(
          {
            machine: null,
            step: label,
            message: `The registry is on but ${manifest} is missing.`,
            hint: 'Write the lab again from the Review step (or `cluster-lab render`), then run Up.',
            lastLines: [],
          },
          null,
        );
      await runChild(job, {
        step: label,
        file: job.tools.kubectl,
        args: ['--kubeconfig', labKubeconfig(job), 'apply', '-f', manifest],
        env: childEnv(ctx),
      });
    },
  },
  'nodes-ready': {
    label: 'Wait until every node is Ready',
    tools: ['kubectl'],
    run: ({ ctx, job, label, timings }) => waitNodesReady(ctx, job, label, labKubeconfig(job), timings),
  },
  'lab-check': {
    label: 'Check the lab from inside each VM',
    tools: ['vagrant'],
    async run({ ctx, job, label }) {
      const check = await checkLab(ctx, job.info.dir);
      job.info.check = check;
      ctx.events.emit('lab.check', { dir: job.info.dir, check });
      for (const node of check.nodes)
        job.log.app(
          `${node.machine}: ${node.ok === null ? 'not checked' : node.ok ? 'loop-proof' : 'at risk'}${node.checks
            .filter((c) => !c.ok)
            .map((c) => ` — ${c.detail}`)
            .join('')}`,
        );
      if (check.ok) return;
      const risky = check.nodes.filter((node) => node.ok !== true);
      const first = risky[0]!.checks.find((c) => !c.ok);
      throw new StepFailure(
        {
          machine: risky.map((node) => node.machine).join(', '),
          step: label,
          message: `The lab check failed on ${risky.map((node) => node.machine).join(', ')}: ${first?.detail ?? 'not checked'}`,
          hint: 'The VMs are up but could loop back into the Telepresence VIF, or were not checked. Run Provision to write their network configuration again, then Check lab on the Run step (or `cluster-lab check --dir DIR`).',
          lastLines: risky.flatMap((node) => node.checks.filter((c) => !c.ok).map((c) => `${node.machine}: ${c.detail}`)),
        },
        null,
      );
    },
  },
  'route-controller-helm': {
    label: 'telepresence helm install (or upgrade) with the route controller on',
    tools: ['telepresence', 'kubectl'],
    async run({ ctx, job, label }) {
      // Checked as strictly as k3s.yaml: telepresence and kubectl act on whatever it holds.
      if (!(await readLabKubeconfig(labKubeconfig(job))))
        throw new StepFailure(
          {
            machine: null,
            step: label,
            message: `The lab has no kubeconfig yet (${labKubeconfig(job)}).`,
            hint: 'Run Up first: the route controller goes into the running cluster.',
            lastLines: [],
          },
          null,
        );
      const { namespace } = await routeControllerTarget(ctx, job.tools.telepresence);
      const action = await helmAction(ctx, job.tools.kubectl, job.info.dir, namespace);
      job.log.app(
        action === 'upgrade'
          ? `A traffic manager is installed in ${namespace}: upgrading it with the route controller on, keeping its other values.`
          : `No traffic manager in ${namespace} yet: installing it with the route controller on.`,
      );
      await runChild(job, {
        step: label,
        file: job.tools.telepresence,
        args: routeControllerArgs(action, namespace),
        env: labKubeconfigEnv(ctx, job.info.dir),
      });
    },
  },
  'route-controller-state': {
    label: 'Show the route controller DaemonSet',
    tools: ['telepresence', 'kubectl'],
    async run({ ctx, job, label }) {
      const { namespace } = await routeControllerTarget(ctx, job.tools.telepresence);
      const result = await runTool(job.tools.kubectl, ['get', 'daemonsets', '-n', namespace, '-o', 'json', '--request-timeout=10s'], {
        env: labKubeconfigEnv(ctx, job.info.dir),
        timeoutMs: 20_000,
      });
      const state = result.exitCode === 0 ? routeControllerState(result.stdout) : null;
      if (!state)
        throw new StepFailure(
          {
            machine: null,
            step: label,
            message: `No route-controller DaemonSet in ${namespace}${result.exitCode === 0 ? '' : `: ${result.stderr.trim()}`}.`,
            hint: "telepresence helm finished, yet the chart made no route controller: check `kubectl get daemonsets -n NAMESPACE` with the lab's kubeconfig, and the traffic manager's values (routeController.enabled).",
            lastLines: [],
          },
          null,
        );
      job.log.app(`DaemonSet ${state.name}: ${state.ready}/${state.desired} pods ready, one per node.`);
    },
  },
  'vagrant-provision-server': vagrant('vagrant provision server', 'provision', server),
  'vagrant-provision-agents': vagrant('vagrant provision the agents', 'provision', agents),
  'vagrant-halt': vagrant('vagrant halt', 'down', everyMachine),
  'vagrant-destroy': vagrant('vagrant destroy', 'destroy', everyMachine),
  'vagrant-status': {
    label: 'vagrant status',
    tools: ['vagrant', 'VBoxManage'],
    run: ({ ctx, job, label }) => runChild(job, { step: label, file: job.tools.vagrant, args: vagrantArgs.status, env: vagrantEnv(ctx) }),
  },
} satisfies Record<string, Step>;

export type StepId = keyof typeof table;
export const steps: Record<StepId, Step> = table;

export const jobSteps: Record<JobKind, readonly StepId[]> = {
  up: ['k3s-release', 'vagrant-up-server', 'vagrant-up-agents', 'kubeconfig', 'registry', 'nodes-ready', 'lab-check'],
  // Provision installs k3s again, maybe a release pinned since the last Up: it places it first too.
  provision: ['k3s-release', 'vagrant-provision-server', 'vagrant-provision-agents'],
  down: ['vagrant-halt'],
  destroy: ['vagrant-destroy'],
  status: ['vagrant-status'],
  'route-controller': ['route-controller-helm', 'route-controller-state'],
};

/** Every tool a job kind's steps run. */
export const jobTools = (kind: JobKind): ToolName[] => [...new Set(jobSteps[kind].flatMap((id) => steps[id].tools))];

/** A job's steps as they start: each labelled for this lab, skipped where it has nothing to do. */
export const jobStepList = (kind: JobKind, config: LabConfig, sequential: boolean): JobStep[] =>
  jobSteps[kind].map((id) => {
    const machines = steps[id].machines?.(config);
    return {
      id,
      label: machines && machines.length > 1 ? `${steps[id].label}, ${sequential ? 'one after another' : 'side by side'}` : steps[id].label,
      status: steps[id].skip?.(config) ? 'skipped' : 'pending',
      ...(machines?.length ? { machines: machines.map((machine) => ({ machine, status: 'pending' as const })) } : {}),
    };
  });
