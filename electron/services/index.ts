/**
 * The service layer as the contract sees it: one handler per call. Every shell (Electron IPC,
 * browser host, CLI) is built on this object, so they all run the very same code.
 */
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { createContext, type ServiceContext } from './context';
import { runDoctor } from './doctor';
import { hostFacts } from './host';
import { defaultLabDir, openLab, previewLab, writeLab } from './labFolder';
import { checkHosts, detectNics, planLab } from './network';
import { setRecursionBlock, telepresenceState } from './telepresence';

const notYet = (what: string) => async (): Promise<never> => {
  throw new AppError('unsupported', `${what} is not built yet.`, { hint: 'It arrives with a later version of Cluster Lab.' });
};

export interface Services {
  ctx: ServiceContext;
  handlers: Handlers;
  /** Stop background work (running jobs are left to the shell to decide about). */
  dispose(): Promise<void>;
}

export function createServices(ctx: ServiceContext = createContext()): Services {
  const handlers: Handlers = {
    'host.facts': () => hostFacts(ctx),
    'doctor.run': (args) => runDoctor(ctx, args),
    'nics.list': (args) => detectNics(ctx, args),
    'plan.suggest': (args) => planLab(ctx, args),
    'hosts.check': (args) => checkHosts(ctx, args),
    'lab.defaultDir': async ({ name }) => ({ dir: defaultLabDir(ctx, name) }),
    'lab.preview': ({ dir, config }) => previewLab(dir ?? null, config),
    'lab.write': ({ dir, config }) => writeLab(dir, config),
    'lab.open': ({ dir }) => openLab(dir),
    'lab.status': notYet('Lab status'),
    'dialog.pickFolder': async () => ({ supported: false, dir: null }),
    'shell.openFolder': async () => ({ supported: false }),
    'job.start': notYet('Running jobs'),
    'job.cancel': notYet('Cancelling jobs'),
    'job.attach': async () => ({ job: null, tail: [] }),
    'kubeconfig.merge': notYet('Merging the kubeconfig'),
    'telepresence.state': ({ configPath }) => telepresenceState(ctx, configPath),
    'telepresence.setRecursionBlock': ({ duration, configPath }) => setRecursionBlock(ctx, duration, configPath),
  };
  return { ctx, handlers, dispose: async () => {} };
}
