/**
 * Every step a job can run, in one typed table, and each job kind as a list of those steps. A new
 * step is one entry here; a new job kind is one list (and its name in shared/jobs.ts). A step id
 * that is not in the table does not compile.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ToolName } from '../../../shared/host';
import type { JobKind } from '../../../shared/jobs';
import type { LabConfig } from '../../../shared/lab/schema';
import type { ServiceContext } from '../context';
import { LAB_KUBECONFIG, writeLabKubeconfig } from '../kubectl';
import { vagrantArgs, vagrantEnv } from '../vagrant';
import { runChild } from './child';
import { StepFailure, type Job } from './job';
import { waitNodesReady, type ReadyTimings } from './nodesReady';

/** What a step may use while it runs. */
export interface StepRun {
  ctx: ServiceContext;
  job: Job;
  /** The step's own label, for its failures. */
  label: string;
  timings: ReadyTimings;
}

interface Step {
  label: string;
  /** The tools the step runs, found before the job starts. */
  tools: ToolName[];
  /** Whether the step has nothing to do for this lab (shown as skipped). */
  skip?(config: LabConfig): boolean;
  run(step: StepRun): Promise<void>;
}

/** A Vagrant command in the lab folder; VBoxManage is needed too, by Vagrant's VirtualBox provider. */
const vagrant = (label: string, command: JobKind): Step => ({
  label,
  tools: ['vagrant', 'VBoxManage'],
  run: ({ ctx, job }) => runChild(job, label, job.tools.vagrant, vagrantArgs[command], vagrantEnv(ctx)),
});

const labKubeconfig = (job: Job) => path.join(job.info.dir, LAB_KUBECONFIG);

const table = {
  'vagrant-up': vagrant('vagrant up (create, boot and provision the VMs)', 'up'),
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
      await runChild(job, label, job.tools.kubectl, ['--kubeconfig', labKubeconfig(job), 'apply', '-f', manifest], ctx.env);
    },
  },
  'nodes-ready': {
    label: 'Wait until every node is Ready',
    tools: ['kubectl'],
    run: ({ ctx, job, label, timings }) => waitNodesReady(ctx, job, label, labKubeconfig(job), timings),
  },
  'vagrant-halt': vagrant('vagrant halt', 'down'),
  'vagrant-destroy': vagrant('vagrant destroy', 'destroy'),
  'vagrant-provision': vagrant('vagrant provision', 'provision'),
  'vagrant-status': vagrant('vagrant status', 'status'),
} satisfies Record<string, Step>;

export type StepId = keyof typeof table;
export const steps: Record<StepId, Step> = table;

export const jobSteps: Record<JobKind, readonly StepId[]> = {
  up: ['vagrant-up', 'kubeconfig', 'registry', 'nodes-ready'],
  down: ['vagrant-halt'],
  destroy: ['vagrant-destroy'],
  provision: ['vagrant-provision'],
  status: ['vagrant-status'],
};

/** Every tool a job kind's steps run. */
export const jobTools = (kind: JobKind): ToolName[] => [...new Set(jobSteps[kind].flatMap((id) => steps[id].tools))];
