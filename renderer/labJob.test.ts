import { describe, expect, it } from 'vitest';
import type { CallArgs, CallName, CallResult, Envelope, EventName, EventPayload, LabApi } from '../shared/contract';
import type { JobInfo, LabStatus, LogLine } from '../shared/jobs';
import type { LabCheck } from '../shared/labCheck';
import { seedLab } from '../shared/render/testing';
import { LabJob, type LogSink } from './labJob';

type Answer = (args: never) => Envelope<unknown> | Promise<Envelope<unknown>>;

/** A LabApi that answers from a table and lets the test fire main's events. */
class FakeApi implements LabApi {
  readonly calls: { name: CallName; args: unknown }[] = [];
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  constructor(readonly answers: Partial<Record<CallName, Answer>>) {}

  async invoke<K extends CallName>(name: K, args: CallArgs<K>): Promise<Envelope<CallResult<K>>> {
    this.calls.push({ name, args });
    const answer = this.answers[name];
    if (!answer) return { ok: false, error: { code: 'internal', message: `no answer for ${name}` } };
    return (await answer(args as never)) as Envelope<CallResult<K>>;
  }

  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (payload: unknown) => void);
    return () => set.delete(listener as (payload: unknown) => void);
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    for (const listener of this.listeners.get(name) ?? []) listener(payload);
  }

  listenerCount(): number {
    return [...this.listeners.values()].reduce((n, set) => n + set.size, 0);
  }
}

class RecordingLog implements LogSink {
  resets = 0;
  lines: LogLine[] = [];
  total = 0;
  reset() {
    this.resets++;
    this.lines = [];
  }
  append(lines: LogLine[], total: number) {
    this.lines.push(...lines);
    this.total = total;
  }
}

const dir = '/labs/demo';
const line = (seq: number, text = `line ${seq}`): LogLine => ({ seq, stream: 'stdout', node: null, text });
const job = (over: Partial<JobInfo> = {}): JobInfo => ({
  id: 'up-1',
  dir,
  kind: 'up',
  status: 'running',
  startedAt: 1,
  endedAt: null,
  exitCode: null,
  steps: [],
  currentStep: null,
  logFile: `${dir}/logs/up.log`,
  lineCount: 0,
  ...over,
});
const status = (over: Partial<LabStatus> = {}): LabStatus => ({
  dir,
  nodes: [],
  clusterReachable: false,
  checkedAt: 1,
  kubeconfigPath: null,
  ...over,
});
const ok = <T>(value: T): Envelope<T> => ({ ok: true, value });

function setup(answers: Partial<Record<CallName, Answer>> = {}) {
  const api = new FakeApi({
    'lab.open': () => ok(seedLab()),
    'lab.status': () => ok(status()),
    'job.attach': () => ok({ job: null, tail: [] }),
    ...answers,
  });
  const log = new RecordingLog();
  const lab = new LabJob(api, () => log);
  return { api, log, lab };
}

describe('LabJob: the Run step over a lab folder', () => {
  it("opens a lab: its settings, its node table, and the running job's log so far", async () => {
    const tail = [line(40), line(41)];
    const { lab, log } = setup({ 'job.attach': () => ok({ job: job({ lineCount: 100 }), tail }) });
    await lab.open(dir);
    const state = lab.getState();
    expect(state.config?.name).toBe('cluster-lab');
    expect(state.status?.dir).toBe(dir);
    expect(state.job?.id).toBe('up-1');
    expect(log.lines).toEqual(tail);
    // The count is the job's, not the tail's: the view says how many lines came before.
    expect(log.total).toBe(100);
  });

  it('says why a folder cannot be opened, and asks nothing more of it', async () => {
    const { lab, api } = setup({ 'lab.open': () => ({ ok: false, error: { code: 'not_found', message: 'No lab.json in /labs/demo.' } }) });
    await lab.open(dir);
    expect(lab.getState().openError?.message).toBe('No lab.json in /labs/demo.');
    expect(api.calls.map((c) => c.name)).not.toContain('lab.status');
  });

  it("takes its job's log batches and no other job's, and follows a job another window or the CLI started on the lab", async () => {
    const { lab, log, api } = setup({ 'job.start': () => ok(job()) });
    await lab.open(dir);
    await lab.start('up');
    api.emit('job.log', { jobId: 'up-1', lines: [line(0)], omitted: 0, total: 1 });
    api.emit('job.log', { jobId: 'other', lines: [line(0, 'not ours')], omitted: 0, total: 1 });
    expect(log.lines.map((l) => l.text)).toEqual(['line 0']);
    const resetsBefore = log.resets;
    api.emit('job.update', job({ id: 'down-2', kind: 'down' }));
    expect(lab.getState().job?.id).toBe('down-2');
    expect(log.resets).toBe(resetsBefore + 1);
    api.emit('job.update', job({ id: 'elsewhere', dir: '/labs/other' }));
    expect(lab.getState().job?.id).toBe('down-2');
  });

  it('keeps every job it saw on the folder, each once and as it last was, and forgets them when it opens another', async () => {
    const { lab, api } = setup({ 'job.start': () => ok(job({ id: 'prov-1', kind: 'provision', startedAt: 5 })) });
    await lab.open(dir);
    await lab.start('provision');
    api.emit('job.update', job({ id: 'prov-1', kind: 'provision', startedAt: 5, status: 'succeeded', endedAt: 6 }));
    // A later job is the one shown, but the Provision before it still re-provisioned the machines.
    api.emit('job.update', job({ id: 'rc-2', kind: 'route-controller', startedAt: 7 }));
    expect(lab.getState().jobs.map((j) => [j.id, j.status])).toEqual([
      ['prov-1', 'succeeded'],
      ['rc-2', 'running'],
    ]);
    await lab.open('/labs/other');
    expect(lab.getState().jobs).toEqual([]);
  });

  it('shows why a job was refused, and clears it on the next try', async () => {
    let refuse = true;
    const { lab } = setup({
      'job.start': () => (refuse ? { ok: false, error: { code: 'busy', message: 'The up job is already running on this lab.' } } : ok(job())),
    });
    await lab.open(dir);
    await lab.start('up');
    expect(lab.getState().actionError?.code).toBe('busy');
    refuse = false;
    await lab.start('up');
    expect(lab.getState().actionError).toBeNull();
    expect(lab.getState().job?.status).toBe('running');
  });

  it('is cancelling from the click until the job says it ended', async () => {
    const { lab, api } = setup({ 'job.start': () => ok(job()), 'job.cancel': () => ok(job()) });
    await lab.open(dir);
    await lab.start('up');
    await lab.cancel();
    expect(lab.getState().cancelling).toBe(true);
    api.emit('job.update', job({ status: 'cancelled', endedAt: 2 }));
    expect(lab.getState()).toMatchObject({ cancelling: false, job: { status: 'cancelled' } });
  });

  it('drops late answers about a folder it has left', async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { lab } = setup({
      'lab.open': async (args: { dir: string }) => {
        if (args.dir === dir) await slow;
        return ok({ ...seedLab(), name: args.dir === dir ? 'old' : 'new' });
      },
    });
    const first = lab.open(dir);
    await lab.open('/labs/other');
    release();
    await first;
    expect(lab.getState()).toMatchObject({ dir: '/labs/other', config: { name: 'new' } });
  });

  it('keeps the last lab check of its folder, from the Check lab button or from the event after Up', async () => {
    const check = { ok: true, checkedAt: '2026-12-01T13:00:00.000Z', nodes: [{ machine: 'server', ok: true, checks: [] }] };
    const { lab, api } = setup({ 'lab.check': () => ok(check) });
    await lab.open(dir);
    const running = lab.runCheck();
    expect(lab.getState().checking).toBe(true);
    await running;
    expect(lab.getState()).toMatchObject({ checking: false, check });
    api.emit('lab.check', { dir: '/labs/other', check: { ...check, ok: false } });
    expect(lab.getState().check?.ok).toBe(true);
    api.emit('lab.check', { dir, check: { ...check, ok: false } });
    expect(lab.getState().check?.ok).toBe(false);
  });

  it('shows the check recorded in the folder (the CLI ran it) with the jobs its logs hold, never over a newer one', async () => {
    const recorded: LabCheck = { ok: true, checkedAt: '2026-12-01T13:00:00.000Z', nodes: [{ machine: 'server', ok: true, checks: [] }] };
    const past = {
      id: 'provision-1',
      kind: 'provision' as const,
      startedAt: 5,
      endedAt: 6,
      result: 'succeeded' as const,
      running: false,
      bytes: 1,
      logFile: 'x',
    };
    const { lab } = setup({ 'lab.lastCheck': () => ok({ check: recorded }), 'job.history': () => ok({ jobs: [past] }) });
    await lab.open(dir);
    expect(lab.getState()).toMatchObject({ check: recorded, pastJobs: [past] });

    const newer: LabCheck = { ...recorded, ok: false, checkedAt: '2026-12-01T14:00:00.000Z' };
    let answer: (value: Envelope<{ check: LabCheck | null }>) => void = () => {};
    const late = setup({
      'lab.lastCheck': () => new Promise((resolve) => (answer = resolve)),
      'job.attach': () => ok({ job: job({ status: 'succeeded', check: newer }), tail: [] }),
    });
    const opening = late.lab.open(dir);
    await new Promise((resolve) => setTimeout(resolve, 0));
    answer(ok({ check: recorded }));
    await opening;
    expect(late.lab.getState().check).toEqual(newer);
  });

  it('takes the check from an Up it reattaches to after the check event went by (a reload mid-job)', async () => {
    const check: LabCheck = { ok: true, checkedAt: '2026-12-01T13:00:00.000Z', nodes: [{ machine: 'server', ok: true, checks: [] }] };
    const { lab } = setup({ 'job.attach': () => ok({ job: job({ status: 'succeeded', check }), tail: [] }) });
    await lab.open(dir);
    expect(lab.getState().check).toEqual(check);
  });

  it('refills the log only while the lab still runs the same job, and lets go of the events when disposed', async () => {
    let attached: JobInfo | null = job();
    const { lab, api } = setup({ 'job.attach': () => ok({ job: attached, tail: [line(7)] }) });
    await lab.open(dir);
    expect(await lab.refill()).toEqual([line(7)]);
    attached = job({ id: 'up-9' });
    expect(await lab.refill()).toBeNull();
    lab.dispose();
    expect(api.listenerCount()).toBe(0);
  });

  it('counts itself out of the lab main counts it attached to, once: when it leaves the lab, and after a refill', async () => {
    const foreign = job({ owner: { program: 'cli', pid: 42, hostname: 'here', description: 'the cluster-lab CLI (process 42)' } });
    let attached: Envelope<{ job: JobInfo | null; tail: LogLine[] }> = ok({ job: foreign, tail: [] });
    const { lab, api } = setup({ 'job.attach': () => attached, 'job.detach': () => ok({}) });
    const detaches = () => api.calls.filter((c) => c.name === 'job.detach').map((c) => c.args);
    await lab.open(dir);
    expect(lab.getState().job?.owner?.pid).toBe(42);
    await lab.refill();
    expect(detaches()).toEqual([{ dir }]);
    attached = ok({ job: null, tail: [] });
    await lab.open('/labs/other');
    expect(detaches()).toEqual([{ dir }, { dir }]);
    // An attach that failed was never counted: leaving says nothing of it.
    attached = { ok: false, error: { code: 'io', message: 'no' } };
    await lab.open(dir);
    expect(detaches()).toEqual([{ dir }, { dir }, { dir: '/labs/other' }]);
    lab.dispose();
    expect(detaches()).toHaveLength(3);
  });
});
