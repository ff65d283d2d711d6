/** `cluster-lab kubeconfig`: where the lab's kubeconfig is, and merging it into the user's as kubectl would. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { LAB_KUBECONFIG } from '../services/kubectl';
import { resolveLabDir } from '../services/labFolder';
import { call, parseFlags, printJson, requireDir, type Command } from './command';

const usage = `Usage: cluster-lab kubeconfig --dir DIR [--merge [--set-current]] [--json]
Without --merge: prints the lab's kubeconfig (DIR/${LAB_KUBECONFIG}, written by Up) and the line that
points kubectl at it. With --merge: puts the lab's cluster, user and context into your kubeconfig, in
the file kubectl itself would write (the first existing KUBECONFIG entry, else the last, else
~/.kube/config), through a symlink, under kubectl's lock, after a backup; --set-current also makes
it the current context. Exit 1 when the lab has no kubeconfig yet, 2 for bad input.
`;

export const kubeconfigCommand: Command = {
  name: 'kubeconfig',
  summary: "show the lab's kubeconfig, or merge it into yours",
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(
      argv,
      {
        dir: { type: 'string' },
        merge: { type: 'boolean', default: false },
        'set-current': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    const dir = requireDir(values.dir, usage);
    if (values['set-current'] && !values.merge)
      throw new AppError('invalid_input', '--set-current goes with --merge: it sets the current context of your kubeconfig.', {
        hint: usage.split('\n')[0],
      });
    if (values.merge) {
      const merged = await call(services, 'kubeconfig.merge', { dir, setCurrent: values['set-current'] });
      if (values.json) printJson(io, merged);
      else {
        io.out(`Merged context "${merged.context}" into ${merged.path}\n`);
        if (merged.backupPath) io.out(`  previous version kept as ${merged.backupPath}\n`);
        io.out(`  current context: ${merged.currentContext ?? '(none)'}\n`);
      }
      return 0;
    }
    const lab = await call(services, 'lab.open', { dir });
    const file = path.join(resolveLabDir(services.ctx, dir), LAB_KUBECONFIG);
    const exists = existsSync(file);
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
