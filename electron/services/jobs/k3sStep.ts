/**
 * Up's first step (issue 24): the lab's pinned k3s release fetched once into the host's cache (a
 * version already there is not fetched again) and placed in the lab's synced folder before any VM
 * boots, so no guest downloads k3s. Progress goes to the job's log (the Run step's log, the CLI's
 * output, `--json`'s log lines) and to the step itself (the Run step's progress bar); Cancel aborts
 * the download, leaving `.part` files the next Up resumes.
 */
import { formatBytes, type TransferProgress } from '../../../shared/bytes';
import { AppError } from '../../../shared/errors';
import { pinnedK3sVersion } from '../../../shared/lab/schema';
import { hostMachineArch } from '../hostArch';
import { fetchRelease, guestK3sArch, k3sCacheDir } from '../k3s/cache';
import { progressLines } from '../k3s/download';
import { placeRelease } from '../k3s/place';
import { Cancelled, StepFailure } from './job';
import type { StepRun } from './steps';

/**
 * How often the step list hears of the download: often enough to move, seldom enough not to flood
 * the page with updates. Sampled rather than throttled, so a download that stalls shows where it stopped.
 */
const TRANSFER_EVERY_MS = 250;
/** No bytes for this long: the step says the download is stalled (no rate, no time left), not the last speed it had. */
const STALLED_AFTER_MS = 3000;

export async function fetchAndPlaceK3s({ ctx, job, label, transfer }: StepRun): Promise<void> {
  const fail = (message: string, hint?: string) => new StepFailure({ machine: null, step: label, message, hint, lastLines: [] }, null);
  const version = pinnedK3sVersion(job.config.k3s);
  if (!version)
    throw fail(
      `lab.json follows the k3s channel '${job.config.k3s.value}' but names no release to install.`,
      'Write the lab again (the Review step, or cluster-lab render --dir DIR): that looks the channel up and pins its release.',
    );
  // VirtualBox runs guests of the machine's own architecture: Apple silicon gets arm64 boxes, even under Rosetta.
  const arch = guestK3sArch(await hostMachineArch(ctx));
  const cacheDir = k3sCacheDir(ctx.platform, ctx.env, ctx.homeDir);
  const logLine = progressLines((line) => job.log.app(line));
  let latest: TransferProgress | null = null;
  let latestAt = 0;
  let shown: TransferProgress | null = null;
  const sampler = setInterval(() => {
    if (latest && latest !== shown) transfer((shown = latest));
    else if (shown && shown.rate > 0 && Date.now() - latestAt >= STALLED_AFTER_MS) transfer((shown = { ...shown, rate: 0, etaSeconds: null }));
  }, TRANSFER_EVERY_MS);
  try {
    const fetched = await fetchRelease({
      version,
      arch,
      images: true,
      cacheDir,
      env: ctx.env,
      signal: job.abort.signal,
      onProgress: (p) => {
        logLine(p);
        latest = p;
        latestAt = Date.now();
      },
    }).finally(() => {
      clearInterval(sampler);
      transfer(null);
    });
    job.log.app(
      fetched.downloadedBytes === 0
        ? `k3s ${version} (${arch}) is in the cache already (${fetched.dir}): nothing downloaded.`
        : `Fetched k3s ${version} (${arch}), ${formatBytes(fetched.downloadedBytes)} downloaded, into ${fetched.dir}.`,
    );
    const placed = await placeRelease({ cacheDir, labDir: job.info.dir, version, arch });
    job.log.app(
      placed.placed.length
        ? `Placed ${placed.placed.join(', ')} in ${placed.dir}, copied from the cache (cloned where the file system can), each checked against its checksum.`
        : `${placed.dir} holds the release already, checked against its checksums.`,
    );
  } catch (error) {
    if (job.cancelRequested) {
      job.log.app(`What was downloaded stays in ${cacheDir} as .part files: the next Up resumes it.`);
      throw new Cancelled();
    }
    if (error instanceof AppError) throw fail(error.message, error.hint);
    throw error;
  }
}
