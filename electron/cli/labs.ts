/** `cluster-lab labs [--json]`, `--forget DIR`, `--delete DIR [--yes]`: Your labs, as the app lists them. */
import { age } from '../../shared/age';
import { AppError } from '../../shared/errors';
import { kindLabel } from '../../shared/jobWords';
import type { CheckVerdict, LabSummary } from '../../shared/labs';
import { call, FlagError, parseFlags, pathFlag, printJson, type Command, type CommandIo } from './command';
import { confirm } from './jobs';

const usage = `Usage: cluster-lab labs [--json]
       cluster-lab labs --forget DIR [--json]
       cluster-lab labs --delete DIR [--yes] [--json]
Lists every lab Cluster Lab wrote or opened (the app, browser mode and the CLI share one registry in
the app's data folder) and every folder in ~/ClusterLab with a lab.json: its machines and their last
known state, the last job and its result, the last check's verdict (stale once a machine stopped, was
destroyed or re-provisioned after it) and a job running on it now, whoever runs it. No Vagrant runs.
--forget DIR takes a lab off the list; its folder and VMs stay as they are.
--delete DIR deletes a lab's folder after Destroy: only the files Cluster Lab and the lab's jobs made;
anything else in it (an edited file, a kept copy, a file of yours) refuses the whole deletion, naming
it. Asks first unless --yes.
`;

const verdictWords: Record<CheckVerdict, string> = { 'loop-proof': 'Loop-proof', 'at-risk': 'At risk', 'not-checked': 'Not checked' };
const ownerWords = { app: 'the Cluster Lab app', browser: 'Cluster Lab in browser mode', cli: 'the cluster-lab CLI' } as const;

/** "3 min ago (2026-12-06T05:00:00.000Z)": how old, then the exact time to compare with a log. */
const when = (iso: string) => `${age(iso, Date.now())} (${iso})`;

function printLab(io: CommandIo, lab: LabSummary): void {
  io.out(`${lab.name ?? '(unreadable)'}  ${lab.dir}${lab.registered ? '' : '  (found in ~/ClusterLab)'}\n`);
  if (lab.running) {
    const who = lab.running.owner ? ownerWords[lab.running.owner] : 'another program';
    const what = lab.running.kind === 'write' ? 'writing its files' : `${kindLabel[lab.running.kind]} running`;
    io.out(`  now       ${what}: ${who}, process ${lab.running.pid} on ${lab.running.hostname}, started ${when(lab.running.startedAt)}\n`);
  }
  if (lab.machines.length)
    io.out(`  machines  ${lab.machines.map((m) => `${m.name} ${m.state.replace('_', ' ')}${m.stateAt ? '' : ' (from .vagrant/)'}`).join(', ')}\n`);
  if (lab.job) io.out(`  last job  ${kindLabel[lab.job.kind]} ${lab.job.result}, ended ${when(lab.job.finishedAt)}\n`);
  if (lab.check)
    io.out(
      `  check     ${verdictWords[lab.check.verdict]}, checked ${when(lab.check.checkedAt)}${lab.check.stale ? ` (stale: ${lab.check.stale})` : ''}\n`,
    );
  if (lab.problem) io.out(`  problem   ${lab.problem}\n`);
}

export const labsCommand: Command = {
  name: 'labs',
  summary: 'list your labs (machines, last job, check, a running job); forget one or delete its folder',
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(
      argv,
      { forget: { type: 'string' }, delete: { type: 'string' }, yes: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      usage,
    );
    const hint = usage.split('\n')[0];
    if (values.forget !== undefined && values.delete !== undefined) throw new FlagError('--delete', '--forget and --delete go one at a time.', hint);
    if (values.yes && values.delete === undefined) throw new FlagError('--yes', '--yes is only for --delete.', hint);
    if (values.forget !== undefined) {
      const result = await call(services, 'labs.forget', { dir: pathFlag(values.forget) });
      if (values.json) printJson(io, result);
      else io.out(result.forgotten ? `Forgot ${result.dir}: the folder and its VMs are as they were.\n` : `${result.dir} was not in the registry.\n`);
      return 0;
    }
    if (values.delete !== undefined) {
      const dir = pathFlag(values.delete);
      if (!values.yes) {
        if (!process.stdin.isTTY)
          throw new FlagError(
            '--yes',
            `refusing to delete the lab folder ${dir} without confirmation.`,
            'Pass --yes to confirm (there is no terminal to ask on).',
          );
        if (!(await confirm(`Delete the lab folder ${dir} (the files Cluster Lab and its jobs made)? [y/N] `)))
          throw new AppError('cancelled', 'Nothing was deleted.');
      }
      const report = await call(services, 'labs.deleteFolder', { dir });
      if (values.json) printJson(io, report);
      else {
        for (const name of report.removed) io.out(`  removed  ${name}\n`);
        io.out(report.folderRemoved ? `Deleted ${report.dir}.\n` : `${report.dir} is still there: something appeared in it meanwhile.\n`);
      }
      return 0;
    }
    const list = await call(services, 'labs.list', {});
    if (values.json) {
      printJson(io, list);
      return 0;
    }
    if (list.problem) io.err(`${list.problem}\n`);
    if (!list.labs.length) io.out('No labs yet: write one with cluster-lab render (or the app).\n');
    list.labs.forEach((lab, i) => {
      if (i) io.out('\n');
      printLab(io, lab);
    });
    return 0;
  },
};
