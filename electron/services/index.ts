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
  const handlers: Handlers = {
    'host.facts': () => hostFacts(ctx),
    'doctor.run': (args) => runDoctor(ctx, args),
    'nics.list': (args) => detectNics(ctx, args),
    'plan.suggest': (args) => planLab(ctx, args),
    'hosts.check': (args) => checkHosts(ctx, args),
    'lab.defaultDir': async ({ name }) => ({ dir: defaultLabDir(ctx, name) }),
    'lab.preview': ({ dir, config }) => previewLab(dir ? resolveLabDir(ctx, dir) : null, config),
    'lab.write': ({ dir, config }) => writeLab(resolveLabDir(ctx, dir), config),
    'lab.open': ({ dir }) => openLab(resolveLabDir(ctx, dir)),
    'lab.status': ({ dir }) => jobs.status(dir),
    'dialog.pickFolder': async () => ({ supported: false, dir: null }),
    'shell.openFolder': async () => ({ supported: false }),
    'job.start': ({ dir, kind }) => jobs.start(dir, kind),
    'job.cancel': ({ jobId }) => jobs.cancel(jobId),
    'job.attach': async ({ dir }) => jobs.attach(dir),
    'kubeconfig.merge': async ({ dir, setCurrent }) => {
      await openLab(dir);
      return mergeIntoUserKubeconfig(ctx, path.join(dir, LAB_KUBECONFIG), { setCurrent });
    },
    'telepresence.state': ({ configPath }) => telepresenceState(ctx, configPath),
    'telepresence.setRecursionBlock': ({ duration, configPath }) => setRecursionBlock(ctx, duration, configPath),
  };
  return { ctx, handlers, jobs, dispose: () => jobs.dispose() };
}
