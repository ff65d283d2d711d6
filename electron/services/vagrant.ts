/**
 * How Cluster Lab calls Vagrant: always with VirtualBox pinned (Debian-style installs also carry
 * libvirt, and Vagrant falls back to it), the update check off, and `status` machine-readable.
 */
import type { JobKind } from '../../shared/jobs';
import { machineStates, parseMachineReadable, type MachineState } from '../../shared/vagrantOutput';
import type { ServiceContext } from './context';
import { runTool } from './process';
import { childEnv } from './tools';

export function vagrantEnv(ctx: Pick<ServiceContext, 'env' | 'platform'>): NodeJS.ProcessEnv {
  return { ...childEnv(ctx), VAGRANT_DEFAULT_PROVIDER: 'virtualbox', VAGRANT_CHECKPOINT_DISABLE: '1' };
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
