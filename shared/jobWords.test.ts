import { describe, expect, it } from 'vitest';
import type { JobInfo } from './jobs';
import { jobEndNotice, jobTitle, taskbarProgress } from './jobWords';

const job = (over: Partial<JobInfo>): JobInfo => ({
  id: 'j1',
  dir: '/home/ada/ClusterLab/office-lab',
  kind: 'up',
  status: 'running',
  startedAt: 0,
  endedAt: null,
  exitCode: null,
  steps: [],
  currentStep: null,
  logFile: '/home/ada/ClusterLab/office-lab/logs/up.log',
  lineCount: 0,
  ...over,
});

describe('jobEndNotice', () => {
  it('says nothing while the job runs', () => {
    expect(jobEndNotice(job({}))).toBeNull();
  });

  it('names the lab and the result of a job that succeeded', () => {
    expect(jobEndNotice(job({ status: 'succeeded' }))).toEqual({
      title: 'Up succeeded: office-lab',
      body: 'Up succeeded.\n/home/ada/ClusterLab/office-lab',
    });
  });

  it('says where and why a job failed', () => {
    const notice = jobEndNotice(
      job({
        kind: 'provision',
        status: 'failed',
        dir: 'C:\\Users\\ada\\labs\\win-lab\\',
        failure: { machine: 'agent2', step: 'provision', message: 'k3s did not start', lastLines: [] },
      }),
    );
    expect(notice).toEqual({
      title: 'Provision failed: win-lab',
      body: 'Provision failed on agent2: k3s did not start\nC:\\Users\\ada\\labs\\win-lab\\',
    });
  });

  it('tells a cancelled job from a failed one', () => {
    expect(jobEndNotice(job({ kind: 'destroy', status: 'cancelled' }))?.title).toBe('Destroy was cancelled: office-lab');
  });
});

describe('taskbarProgress', () => {
  const fetching = (bytes: number, total: number | null) =>
    job({
      steps: [{ id: 'k3s-release', label: 'Fetch k3s', status: 'running', transfer: { file: 'k3s', bytes, total, rate: 1, etaSeconds: null } }],
    });

  it('shows none with no job, and busy while a job runs that downloads nothing', () => {
    expect(taskbarProgress([])).toBe(-1);
    expect(taskbarProgress([job({ steps: [{ id: 'up-server', label: 'vagrant up server', status: 'running' }] })])).toBe(2);
  });

  it("shows the download's share while the one job running fetches a file of known size", () => {
    expect(taskbarProgress([fetching(25, 100)])).toBe(0.25);
    expect(taskbarProgress([fetching(100, 100)])).toBe(1);
    // No length from the server, or two jobs at once: busy, never a made-up share.
    expect(taskbarProgress([fetching(25, null)])).toBe(2);
    expect(taskbarProgress([fetching(25, 100), job({ id: 'j2', dir: '/home/ada/ClusterLab/other' })])).toBe(2);
    // Nothing that is not a share of a real size: busy, never a bar removed by a negative or a NaN.
    for (const [bytes, total] of [
      [25, 0],
      [25, -100],
      [Number.NaN, 100],
      [25, Number.POSITIVE_INFINITY],
    ])
      expect(taskbarProgress([fetching(bytes!, total!)]), `${bytes} of ${total}`).toBe(2);
  });
});

describe('jobTitle', () => {
  it('says the job and its status, and while it downloads a file of known size, how far it is', () => {
    expect(jobTitle(job({}))).toBe('Up: running');
    expect(jobTitle(job({ status: 'failed' }))).toBe('Up: failed');
    const downloading = (total: number | null) =>
      job({
        steps: [{ id: 'k3s-release', label: 'Fetch k3s', status: 'running', transfer: { file: 'k3s', bytes: 4, total, rate: 1, etaSeconds: 1 } }],
      });
    expect(jobTitle(downloading(8))).toBe('Up: 50%');
    expect(jobTitle(downloading(null))).toBe('Up: running');
  });
});
