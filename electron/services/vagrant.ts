/**
 * How Cluster Lab calls Vagrant: always with VirtualBox pinned (Debian-style installs also carry
 * libvirt, and Vagrant falls back to it), the update check off, and `status` machine-readable.
 */
import type { JobKind } from '../../shared/jobs';
import { machineStates, parseMachineReadable, type MachineState } from '../../shared/vagrantOutput';
import type { ServiceContext } from './context';
import { runTool } from './process';
import { childEnv } from './tools';

/**
 * Variables that point Vagrant at another lab than the folder it runs in: another folder
 * (VAGRANT_CWD), another Vagrantfile name (VAGRANT_VAGRANTFILE), another machine-data folder than
 * `.vagrant`, where Cluster Lab looks for VM ids (VAGRANT_DOTFILE_PATH); vagrant 2.3.4
 * lib/vagrant/environment.rb, initialize. One set in the user's shell must not steer the app.
 */
const ELSEWHERE = ['VAGRANT_CWD', 'VAGRANT_VAGRANTFILE', 'VAGRANT_DOTFILE_PATH'];

export function vagrantEnv(ctx: Pick<ServiceContext, 'env' | 'platform'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...childEnv(ctx), VAGRANT_DEFAULT_PROVIDER: 'virtualbox', VAGRANT_CHECKPOINT_DISABLE: '1' };
  for (const key of Object.keys(env)) if (ELSEWHERE.includes(key.toUpperCase())) delete env[key];
  return env;
}

/** The vagrant command line of each job kind. `destroy -f` because stdin is closed: there is no one to answer its prompt. */
export const vagrantArgs: Record<Exclude<JobKind, 'route-controller'>, string[]> = {
  up: ['up', '--provider=virtualbox'],
  down: ['halt'],
  destroy: ['destroy', '-f'],
  provision: ['provision'],
  status: ['status', '--machine-readable'],
};

/** `vagrant status --machine-readable` in the lab folder, parsed; throws with Vagrant's own words when it fails. */
export async function vagrantStatus(vagrant: string, dir: string, ctx: Pick<ServiceContext, 'env' | 'platform'>): Promise<MachineState[]> {
  const result = await runTool(vagrant, vagrantArgs.status, { cwd: dir, env: vagrantEnv(ctx), timeoutMs: 60_000 });
  if (result.exitCode !== 0) {
    const why =
      result.spawnError ?? (result.timedOut ? 'it timed out after 60 s' : (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' '));
    throw new Error(`vagrant status failed: ${why}`);
  }
  return machineStates(parseMachineReadable(result.stdout));
}
