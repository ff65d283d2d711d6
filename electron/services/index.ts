/**
 * The service layer as the contract sees it: one handler per call. Every shell (Electron IPC,
 * browser host, CLI) is built on this object, so they all run the very same code.
 */
import { stat } from 'node:fs/promises';
import { AppError } from '../../shared/errors';
import type { Handlers } from '../../shared/contract';
import { appOwnFolders } from './appFolders';
import { createContext, type ServiceContext } from './context';
import { collectDiagnostics } from './diagnostics';
import { runDoctor } from './doctor';
import { hostFacts } from './host';
import { LabRunner, withLabLock } from './jobs';
import { mergeIntoUserKubeconfig, removeFromUserKubeconfig } from './kubectl';
import { checkLab } from './labCheck';
import { defaultLabDir, openLab, previewLab, resolveLabDir, writeLab } from './labFolder';
import { pinK3s } from './k3s/pin';
import { newLabDefaults } from './labs/defaults';
import { deleteLabFolder } from './labs/delete';
import { labAddresses, listLabs } from './labs/list';
import { readRecorded } from './labs/recorded';
import { forgetLab, recordLab } from './labs/registry';
import { checkHosts, detectNics, planLab } from './network';
import { setRecursionBlock, telepresenceState } from './telepresence';
import { getUiState, saveUiState } from './uiState';

export interface Services {
  ctx: ServiceContext;
  handlers: Handlers;
  /** The lab jobs (Up, Down, ...): the CLI reads every line from here. */
  jobs: LabRunner;
  /** Stop background work; jobs still running are cancelled cleanly (a shell asks the user first). */
  dispose(): Promise<void>;
}

/**
 * What only a desktop shell can do, handed in by that shell (Electron's dialog and shell modules);
 * browser mode and the CLI have neither, and the calls say so (`supported: false`).
 */
export interface ShellCapabilities {
  /** Ask the person for a folder; null when they cancel. */
  pickFolder?(defaultPath: string | undefined): Promise<string | null>;
  /** Show a folder in the file manager; rejects with the reason it could not. */
  openFolder?(dir: string): Promise<void>;
}

/**
 * A folder to show in the file manager: an existing directory, never a file. (Electron's
 * shell.openPath runs what it is given, so an executable must never reach it.)
 */
async function existingFolder(dir: string): Promise<string> {
  const isDirectory = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDirectory)
    throw new AppError('invalid_input', `${dir} is not a folder that exists.`, {
      hint: 'Write the lab first (Review step); only its folder can be opened.',
      issues: [{ path: 'dir', message: `${dir} is not an existing folder.` }],
    });
  return dir;
}

export function createServices(ctx: ServiceContext = createContext(), shell: ShellCapabilities = {}): Services {
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
    'plan.suggest': (args) => planLab(ctx, { ...args, dir: args.dir === undefined ? undefined : lab(args.dir) }),
    'hosts.check': (args) => checkHosts(ctx, args),
    'lab.defaultDir': async ({ name }) => ({ dir: defaultLabDir(ctx, name) }),
    'lab.newDefaults': ({ name }) => newLabDefaults(ctx, name),
    'lab.preview': ({ dir, config }) => previewLab(dir ? lab(dir) : null, config),
    'lab.write': async ({ dir, config, force, keepLabJson }) => {
      const labDir = lab(dir);
      // One writer per lab: never beside a running job (its Vagrant reads these files).
      const ownFolders = appOwnFolders(ctx.platform, ctx.env, ctx.homeDir);
      const report = await withLabLock(labDir, async () =>
        writeLab(labDir, await pinK3s(config, labDir, ctx.env), { force, keepLabJson, ownFolders }),
      );
      await recordLab(ctx, labDir);
      return report;
    },
    'lab.open': async ({ dir }) => {
      const config = await openLab(lab(dir));
      await recordLab(ctx, lab(dir));
      return config;
    },
    'lab.status': ({ dir }) => jobs.status(lab(dir)),
    'lab.lastCheck': async ({ dir }) => ({ check: (await readRecorded(lab(dir))).check }),
    'lab.check': async ({ dir }) => {
      const labDir = lab(dir);
      const check = await checkLab(ctx, labDir);
      ctx.events.emit('lab.check', { dir: labDir, check });
      return check;
    },
    'labs.list': () => listLabs(ctx, jobs.runningJobs()),
    'labs.forget': async ({ dir }) => ({ dir: lab(dir), forgotten: await forgetLab(ctx, lab(dir)) }),
    'labs.deleteFolder': ({ dir }) => deleteLabFolder(ctx, lab(dir)),
    'labs.addresses': async () => ({ addresses: await labAddresses(ctx) }),
    'shell.capabilities': async () => ({ pickFolder: Boolean(shell.pickFolder), openFolder: Boolean(shell.openFolder) }),
    'dialog.pickFolder': async ({ defaultPath }) =>
      shell.pickFolder ? { supported: true, dir: await shell.pickFolder(defaultPath) } : { supported: false, dir: null },
    'shell.openFolder': async ({ dir }) => {
      if (!shell.openFolder) return { supported: false };
      await shell.openFolder(await existingFolder(lab(dir)));
      return { supported: true };
    },
    'job.start': ({ dir, kind, sequential }) => jobs.start(lab(dir), kind, { sequential }),
    'job.cancel': ({ jobId }) => jobs.cancel(jobId),
    'job.attach': ({ dir }) => jobs.attach(lab(dir)),
    'job.detach': async ({ dir }) => {
      await jobs.detach(lab(dir));
      return {};
    },
    'job.history': ({ dir }) => jobs.history(lab(dir)),
    'job.pastLog': ({ dir, jobId }) => jobs.pastLog(lab(dir), jobId),
    'kubeconfig.merge': async ({ dir, setCurrent, context }) =>
      mergeIntoUserKubeconfig(ctx, lab(dir), await openLab(lab(dir)), { setCurrent, context }),
    'kubeconfig.remove': ({ dir }) => removeFromUserKubeconfig(ctx, lab(dir)),
    'telepresence.state': () => telepresenceState(ctx),
    'telepresence.setRecursionBlock': ({ duration }) => setRecursionBlock(ctx, duration),
    'diagnostics.collect': ({ dir }) => collectDiagnostics(ctx, jobs, dir ? lab(dir) : null),
    'ui.state.get': () => getUiState(ctx),
    'ui.state.save': ({ state, client }) => saveUiState(ctx, state, client),
  };
  return { ctx, handlers, jobs, dispose: () => jobs.dispose() };
}
