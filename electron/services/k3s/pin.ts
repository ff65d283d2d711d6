/**
 * The lab's k3s version, fixed when the lab is written (issue 24): a channel is resolved to the
 * release it points at then, and that release is what every node installs from then on, so an agent
 * added or provisioned again later runs its server's version.
 */
import { AppError } from '../../../shared/errors';
import { assertLab, k3sVersionPattern, type LabConfig } from '../../../shared/lab/schema';
import { openLab } from '../labFolder';
import { resolveChannel } from './cache';

/**
 * The config with its channel's version filled in. A version already there stays; a lab written
 * before with the same channel keeps the version it has (the person asks for a new one by choosing
 * the channel again: the CLI's --k3s-channel, or another channel in the Lab step). Otherwise the
 * channel server is asked, and a failure writes nothing.
 */
export async function pinK3s(input: unknown, labDir: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<LabConfig> {
  const config = assertLab(input);
  const { k3s } = config;
  if (k3s.source === 'version' || k3s.version) return config;
  const written = await openLab(labDir).catch(() => null);
  if (written?.k3s.source === 'channel' && written.k3s.value === k3s.value && written.k3s.version)
    return { ...config, k3s: { ...k3s, version: written.k3s.version } };
  return { ...config, k3s: { ...k3s, version: await lookUpChannel(k3s.value, env, signal) } };
}

/** The release a channel points at now, as a lab can pin it; a failure says how to pin one by hand. */
export async function lookUpChannel(channel: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string> {
  let version: string;
  try {
    version = await resolveChannel(channel, { env, signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new AppError(
      'failed',
      `Could not find which k3s release the '${channel}' channel points at, so the lab was not written: ${(error as Error).message}`,
      {
        hint: `Pin a release instead: choose "A specific version" in the Lab step, or give --k3s-version (such as v1.33.5+k3s1) to cluster-lab render. Offline or behind a firewall, CLUSTER_LAB_K3S_CHANNELS can name a channel server you reach.`,
        cause: error,
      },
    );
  }
  // The cache takes release tags the lab schema does not (alphas, betas): say so rather than write an invalid lab.
  if (!k3sVersionPattern.test(version))
    throw new AppError('failed', `The '${channel}' channel points at ${version}, which is not a release a lab can pin; the lab was not written.`, {
      hint: 'Choose another channel, or pin a release such as v1.33.5+k3s1.',
    });
  return version;
}
