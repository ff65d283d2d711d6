/**
 * Closing while a job runs asks first: cancel it the clean way (Vagrant gets Ctrl-C and releases
 * its machine locks), or let it finish and quit then, or stay. Nothing is left half-killed.
 */
import type { JobInfo } from '../../shared/jobs';

export interface QuitGuardDeps {
  jobs: { runningJobs(): JobInfo[]; wait(jobId: string): Promise<unknown> };
  /** Cancel every job the clean way (services.dispose). */
  cancelAll(): Promise<void>;
  /** The question, answered with the index of the button chosen. */
  ask(options: Electron.MessageBoxOptions): Promise<number>;
  quit(): void;
}

export const CANCEL_AND_QUIT = 0;
export const FINISH_THEN_QUIT = 1;
export const STAY = 2;

/** The handler for `before-quit` and a window's `close`: lets the quit through, or holds it and asks. */
export function quitGuard(deps: QuitGuardDeps): (event: { preventDefault(): void }) => void {
  let allowed = false;
  let asking = false;
  const quitNow = () => {
    allowed = true;
    deps.quit();
  };
  const ask = async (running: JobInfo[]) => {
    if (asking) return;
    asking = true;
    const job = running[0]!;
    const response = await deps.ask({
      type: 'warning',
      title: 'A lab job is running',
      message: `${job.kind} is still running on ${job.dir}.`,
      detail:
        'Cancel it: Vagrant stops the clean way and the VMs stay as far as the job got. Or keep the VMs as they are: the job runs to its end, then Cluster Lab quits.',
      buttons: ['Cancel the job and quit', 'Finish the job, then quit', "Don't quit"],
      defaultId: STAY,
      cancelId: STAY,
      noLink: true,
    });
    asking = false;
    if (response === CANCEL_AND_QUIT) await deps.cancelAll();
    else if (response === FINISH_THEN_QUIT) await Promise.all(running.map((j) => deps.jobs.wait(j.id)));
    else return;
    quitNow();
  };
  return (event) => {
    const running = deps.jobs.runningJobs();
    if (allowed || running.length === 0) return;
    event.preventDefault();
    void ask(running);
  };
}
