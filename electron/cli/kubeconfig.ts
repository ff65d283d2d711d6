/** `cluster-lab kubeconfig`: where the lab's kubeconfig is, and merging it into the user's (or taking it out) as kubectl would. */
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { LAB_KUBECONFIG, readLabKubeconfig } from '../services/kubectl';
import { resolveLabDir } from '../services/labFolder';
import { call, parseFlags, printJson, requireDir, type Command } from './command';

const usage = `Usage: cluster-lab kubeconfig --dir DIR [--merge [--set-current] [--context NAME] | --remove] [--json]
Without --merge: prints the lab's kubeconfig (DIR/${LAB_KUBECONFIG}, written by Up) and the line that
points kubectl at it. With --merge: puts the lab's cluster, user and context into your kubeconfig as
kubectl itself would write them (an entry that exists stays in its file; a new one goes into the
first existing KUBECONFIG file, else the last, else ~/.kube/config), through a symlink, under
kubectl's <file>.lock, after a backup of each file it changes. Only entries Cluster Lab wrote for this
lab are replaced: --context NAME merges under another name when yours already uses the lab's.
--set-current also makes it the current context (a kubeconfig without one gets it anyway).
--remove takes out every entry Cluster Lab wrote for this lab, and nothing else.
Exit 1 when the lab has no kubeconfig yet or a name is taken, 2 for bad input.
`;

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

export const kubeconfigCommand: Command = {
  name: 'kubeconfig',
  summary: "show the lab's kubeconfig, or merge it into yours (or remove it)",
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(
      argv,
      {
        dir: { type: 'string' },
        merge: { type: 'boolean', default: false },
        'set-current': { type: 'boolean', default: false },
        context: { type: 'string' },
        remove: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    const dir = requireDir(values.dir, usage);
    const bad = (message: string) => new AppError('invalid_input', message, { hint: usage.split('\n')[0] });
    if (values['set-current'] && !values.merge) throw bad('--set-current goes with --merge: it sets the current context of your kubeconfig.');
    if (values.context !== undefined && !values.merge) throw bad("--context goes with --merge: it names the lab's entries in your kubeconfig.");
    if (values.remove && values.merge) throw bad('--merge and --remove go one at a time.');
    if (values.remove) {
      const removed = await call(services, 'kubeconfig.remove', { dir });
      if (values.json) printJson(io, removed);
      else if (removed.files.length === 0) io.out('Your kubeconfig holds no entry Cluster Lab wrote for this lab: nothing changed.\n');
      else {
        const kinds = (['contexts', 'clusters', 'users'] as const).filter((key) => removed.removed[key].length > 0);
        io.out(`Removed ${kinds.map((key) => `${key.slice(0, -1)} ${quoted(removed.removed[key])}`).join(', ')}\n`);
        for (const file of removed.files) io.out(`  from ${file.path}${file.backupPath ? ` (previous version kept as ${file.backupPath})` : ''}\n`);
        io.out(`  current context: ${removed.currentContext ?? '(none): choose one with kubectl config use-context NAME'}\n`);
      }
      return 0;
    }
    if (values.merge) {
      const merged = await call(services, 'kubeconfig.merge', { dir, setCurrent: values['set-current'], context: values.context });
      if (values.json) printJson(io, merged);
      else {
        if (merged.files.length === 0)
          io.out(`Context "${merged.context}" is in ${merged.path} already, as Cluster Lab wrote it: nothing changed.\n`);
        else io.out(`Merged context "${merged.context}" into ${merged.path}\n`);
        for (const file of merged.files) {
          if (file.path !== merged.path) io.out(`  also wrote ${file.path}\n`);
          if (file.backupPath) io.out(`  previous version kept as ${file.backupPath}\n`);
        }
        io.out(`  current context: ${merged.currentContext ?? '(none)'}\n`);
        io.out(
          merged.currentContext === merged.context
            ? `  kubectl now talks to this lab: try \`kubectl get nodes\`\n`
            : `  to reach this lab: \`kubectl --context ${merged.context} get nodes\`, or \`kubectl config use-context ${merged.context}\`\n`,
        );
      }
      return 0;
    }
    const lab = await call(services, 'lab.open', { dir });
    const file = path.join(resolveLabDir(services.ctx, dir), LAB_KUBECONFIG);
    // Checked before you are told to point kubectl at it: a lab folder may come from someone else.
    const exists = (await readLabKubeconfig(file)) !== null;
    const exportLine = `export KUBECONFIG=${file}`;
    if (values.json) printJson(io, { path: file, exists, context: lab.name, export: exportLine });
    else if (exists) io.out(`${file}\n  ${exportLine}\n`);
    if (!exists) {
      io.err(`cluster-lab kubeconfig: lab "${lab.name}" has no kubeconfig yet (${file}): run \`cluster-lab up --dir ${dir}\` first.\n`);
      return 1;
    }
    return 0;
  },
};
