/**
 * The service layer as the contract sees it: one handler per call. Every shell (Electron IPC,
 * browser host, CLI) is built on this object, so they all run the very same code.
 */
import path from 'node:path';
import type { Handlers } from '../../shared/contract';
import { createContext, type ServiceContext } from './context';
import { runDoctor } from './doctor';
import { hostFacts } from './host';
import { LabRunner } from './jobs';
import { LAB_KUBECONFIG, mergeIntoUserKubeconfig } from './kubectl';
import { defaultLabDir, openLab, previewLab, resolveLabDir, writeLab } from './labFolder';
import { checkHosts, detectNics, planLab } from './network';
import { setRecursionBlock, telepresenceState } from './telepresence';

export interface Services {
  ctx: ServiceContext;
  handlers: Handlers;
  /** The lab jobs (Up, Down, ...): the CLI reads every line from here. */
  jobs: LabRunner;
  /** Stop background work; jobs still running are cancelled cleanly (a shell asks the user first). */
  dispose(): Promise<void>;
}

export function createServices(ctx: ServiceContext = createContext()): Services {
  const jobs = new LabRunner(ctx);
  // Every lab folder a person types means the same thing to every call: `~` is home, relative is refused.
  const lab = (dir: string) => resolveLabDir(ctx, dir);
  const handlers: Handlers = {
    'host.facts': () => hostFacts(ctx),
    'doctor.run': async ({ dir, config }) => {
      let labDir: string | undefined;
      try {
        labDir = dir ? lab(dir) : undefined;
      } catch {
        // A half-typed folder on the Review step must not stop the preflight: that step names the problem.
      }
      return runDoctor(ctx, { dir: labDir, config });
    },
    'nics.list': (args) => detectNics(ctx, args),
    'plan.suggest': (args) => planLab(ctx, args),
    'hosts.check': (args) => checkHosts(ctx, args),
    'lab.defaultDir': async ({ name }) => ({ dir: defaultLabDir(ctx, name) }),
    'lab.preview': ({ dir, config }) => previewLab(dir ? lab(dir) : null, config),
    'lab.write': ({ dir, config }) => writeLab(lab(dir), config),
    'lab.open': ({ dir }) => openLab(lab(dir)),
    'lab.status': ({ dir }) => jobs.status(lab(dir)),
    'dialog.pickFolder': async () => ({ supported: false, dir: null }),
    'shell.openFolder': async () => ({ supported: false }),
    'job.start': ({ dir, kind }) => jobs.start(lab(dir), kind),
    'job.cancel': ({ jobId }) => jobs.cancel(jobId),
    'job.attach': async ({ dir }) => jobs.attach(lab(dir)),
    'kubeconfig.merge': async ({ dir, setCurrent }) => {
      await openLab(lab(dir));
      return mergeIntoUserKubeconfig(ctx, path.join(lab(dir), LAB_KUBECONFIG), { setCurrent });
    },
    'telepresence.state': ({ configPath }) => telepresenceState(ctx, configPath),
    'telepresence.setRecursionBlock': ({ duration, configPath }) => setRecursionBlock(ctx, duration, configPath),
  };
  return { ctx, handlers, jobs, dispose: () => jobs.dispose() };
}
