import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../shared/jobs';
import { CANCEL_AND_QUIT, FINISH_THEN_QUIT, quitGuard, STAY } from './quitGuard';

const job = { id: 'up-1', kind: 'up', dir: '/labs/demo', status: 'running' } as JobInfo;

function setup(answer: number, running: JobInfo[] = [job], { cancelEndsJobs = true } = {}) {
  const calls: string[] = [];
  const questions: Electron.MessageBoxOptions[] = [];
  let jobs = running;
  let finish: () => void = () => {};
  const guard = quitGuard({
    jobs: {
      runningJobs: () => jobs,
      wait: () => new Promise<void>((resolve) => (finish = resolve)).then(() => void (jobs = [])),
    },
    cancelAll: async () => {
      calls.push('cancel');
      if (cancelEndsJobs) jobs = [];
    },
    ask: async (options) => {
      calls.push(`ask: ${options.message}`);
      questions.push(options);
      return answer;
    },
    quit: () => calls.push('quit'),
  });
  const event = () => {
    const e = { prevented: false, preventDefault: () => void (e.prevented = true) };
    return e;
  };
  return { guard, calls, questions, event, finish: () => finish() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('quitting while a job runs', () => {
  it('lets the quit through when nothing runs, without asking', () => {
    const { guard, calls, event } = setup(STAY, []);
    const e = event();
    guard(e);
    expect(e.prevented).toBe(false);
    expect(calls).toEqual([]);
  });

  it('holds the quit and asks; "Don’t quit" keeps the app and the job, and the next quit asks again', async () => {
    const { guard, calls, event, finish } = setup(STAY);
    const e = event();
    guard(e);
    expect(e.prevented).toBe(true);
    await settle();
    // Even a job that ends now does not turn "Don't quit" into a quit.
    finish();
    await settle();
    expect(calls).toEqual(['ask: up is still running on /labs/demo.']);
    guard(event());
    await settle();
    expect(calls).toHaveLength(2);
  });

  it('asks with three buttons whose order is the answers, Escape and Enter meaning "Don’t quit"', async () => {
    const { guard, questions, event } = setup(STAY);
    guard(event());
    await settle();
    expect(questions).toEqual([
      {
        type: 'warning',
        title: expect.stringMatching(/^A lab job is running$/),
        message: 'up is still running on /labs/demo.',
        // What each choice does to the VMs, in the order of the buttons.
        detail: expect.stringMatching(
          /^Cancel it: Vagrant stops the clean way.*Or keep the VMs as they are: the job runs to its end, then Cluster Lab quits\.$/,
        ),
        buttons: [
          expect.stringMatching(/^Cancel the job and quit$/),
          expect.stringMatching(/^Finish the job, then quit$/),
          expect.stringMatching(/^Don't quit$/),
        ],
        defaultId: STAY,
        cancelId: STAY,
        // Buttons, not Windows command links: the three are read as one choice.
        noLink: true,
      },
    ]);
    const buttons = questions[0]!.buttons!;
    expect([buttons[CANCEL_AND_QUIT], buttons[FINISH_THEN_QUIT], buttons[STAY]]).toEqual([
      expect.stringMatching(/^Cancel/),
      expect.stringMatching(/^Finish/),
      expect.stringMatching(/^Don't/),
    ]);
  });

  it('"Cancel the job and quit" cancels the clean way first, then quits, and the quit then passes', async () => {
    const { guard, calls, event } = setup(CANCEL_AND_QUIT);
    guard(event());
    await settle();
    expect(calls).toEqual(['ask: up is still running on /labs/demo.', 'cancel', 'quit']);
    const again = event();
    guard(again);
    expect(again.prevented).toBe(false);
  });

  it('lets its own quit through even while the cancelled job is still listed as running', async () => {
    const { guard, calls, event } = setup(CANCEL_AND_QUIT, [job], { cancelEndsJobs: false });
    guard(event());
    await settle();
    expect(calls.at(-1)).toBe('quit');
    const again = event();
    guard(again);
    expect(again.prevented).toBe(false);
  });

  it('"Finish the job, then quit" quits only when the job has ended', async () => {
    const { guard, calls, event, finish } = setup(FINISH_THEN_QUIT);
    guard(event());
    await settle();
    expect(calls).not.toContain('quit');
    finish();
    await settle();
    expect(calls.at(-1)).toBe('quit');
    expect(calls).not.toContain('cancel');
  });

  it('asks once when a window close and the app quit arrive together', async () => {
    const { guard, calls, event } = setup(STAY);
    guard(event());
    guard(event());
    await settle();
    expect(calls.filter((c) => c.startsWith('ask'))).toHaveLength(1);
  });
});
