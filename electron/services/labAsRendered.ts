/**
 * A lab folder can come from anyone, and its Vagrantfile is Ruby that every `vagrant` command runs
 * on this computer (Vagrant 2.3.4 loads it for `status` as much as for `up`:
 * lib/vagrant/vagrantfile.rb, Vagrantfile#initialize -> Config::Loader#load). Its registry.yaml is
 * what Up applies with kubectl. A manifest of hashes in the folder could be forged along with them,
 * so the only proof that these files are Cluster Lab's is that they are, byte for byte, what it
 * renders from the lab.json it has just validated. Anything else is run by hand or not at all.
 * Vagrant also loads `.vagrantplugins` from the folder as Ruby, before the Vagrantfile (vagrant
 * 2.3.4 lib/vagrant/environment.rb, Environment#initialize); Cluster Lab never writes one.
 */
import path from 'node:path';
import { AppError } from '../../shared/errors';
import type { LabConfig } from '../../shared/lab/schema';
import { LAB_JSON, renderLab } from '../../shared/render';
import { lstatIfAny, readPlainFile } from './files';

const VAGRANT_PLUGINS_FILE = '.vagrantplugins';

/** Generous: a Vagrantfile of the largest lab is about 20 KiB. */
const RUN_FILE_MAX_BYTES = 1024 * 1024;

/** Refuse to run a lab whose Vagrantfile or registry.yaml is not what `config` renders. */
export async function assertLabAsRendered(dir: string, config: LabConfig): Promise<void> {
  const plugins = path.join(dir, VAGRANT_PLUGINS_FILE);
  if (await lstatIfAny(plugins))
    throw new AppError(
      'failed',
      `${plugins} is in the lab folder: Vagrant runs it as Ruby on this computer before the Vagrantfile, and Cluster Lab never writes one, so it does not run this folder.`,
      {
        hint: `If you did not put it there, remove it (rm ${plugins}). If you did and trust it, run the folder yourself: \`cd ${dir} && vagrant up\`.`,
      },
    );
  for (const { name, content } of renderLab(config)) {
    if (name === LAB_JSON) continue; // read and validated already: its key order is the user's business
    const file = path.join(dir, name);
    const current = await readPlainFile(file, { maxBytes: RUN_FILE_MAX_BYTES });
    if (current === content) continue;
    throw new AppError(
      'failed',
      current === null
        ? `${file} is missing: Cluster Lab runs only a lab it has written.`
        : `${file} is not what Cluster Lab writes for this lab's lab.json (edited by hand, written by another version of Cluster Lab, or from elsewhere). ${name === 'registry.yaml' ? 'kubectl would apply it to the lab' : 'Vagrant runs it as Ruby on this computer'}, so Cluster Lab does not.`,
      {
        hint: `Write the lab again (Review → Write lab, or \`cluster-lab render --dir ${dir} --config ${path.join(dir, LAB_JSON)}\`): a file you edited is kept beside it as ${name}.user-<time>. If you wrote the change and trust it, run the folder yourself: \`cd ${dir} && vagrant up\`.`,
      },
    );
  }
}
