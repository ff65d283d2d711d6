/** Up's last step: wait until the cluster says every node of the lab is Ready. */
import { labMachines } from '../../../shared/lab/machines';
import type { ServiceContext } from '../context';
import { getNodes } from '../kubectl';
import { knownCause } from './causes';
import { Cancelled, StepFailure, type Job } from './job';
import { delay } from '../time';

export interface ReadyTimings {
  readyTimeoutMs: number;
  /** The longest pause between two looks; the first looks come sooner (see below). */
  readyPollMs: number;
}

export async function waitNodesReady(ctx: ServiceContext, job: Job, step: string, kubeconfig: string, timings: ReadyTimings): Promise<void> {
  const machines = labMachines(job.config);
  const expected = machines.map((m) => m.nodeName);
  const deadline = Date.now() + timings.readyTimeoutMs;
  let said = '';
  // Nodes often turn Ready within a second or two of the last VM: look soon, then less often.
  let pause = Math.min(250, timings.readyPollMs);
  for (;;) {
    const answer = await getNodes(job.tools.kubectl, kubeconfig, ctx);
    const ready = new Set('nodes' in answer ? answer.nodes.filter((n) => n.ready).map((n) => n.name) : []);
    const waiting = expected.filter((name) => !ready.has(name));
    const cause = 'error' in answer ? knownCause([answer.error], ctx.platform) : null;
    const news =
      'error' in answer
        ? `The cluster does not answer yet: ${answer.error}${cause ? ` — ${cause.cause} ${cause.hint}` : ''}`
        : `${expected.length - waiting.length}/${expected.length} nodes Ready${waiting.length ? ` (waiting for ${waiting.join(', ')})` : ''}.`;
    if (news !== said) job.log.app((said = news));
    if (waiting.length === 0) return;
    if (job.cancelRequested) throw new Cancelled();
    if (Date.now() >= deadline) {
      const seen = new Map('nodes' in answer ? answer.nodes.map((n) => [n.name, n.ready]) : []);
      const detail = waiting.map((name) => (seen.has(name) ? `${name} is NotReady` : `${name} has not joined`)).join(', ');
      throw new StepFailure(
        {
          machine: null,
          step,
          message: `Not every node became Ready within ${Math.round(timings.readyTimeoutMs / 1000)} s: ${'error' in answer ? answer.error : detail}.`,
          hint:
            cause?.hint ??
            `The VMs are up, so the cause is inside them: read the provisioning lines above, or run \`vagrant ssh ${machines.find((m) => m.nodeName === waiting[0])?.machine ?? 'server'} -c "sudo journalctl -u k3s*"\` in the lab folder. Run Up again when fixed.`,
          lastLines: [],
        },
        null,
      );
    }
    await delay(pause);
    pause = Math.min(pause * 2, timings.readyPollMs);
  }
}
