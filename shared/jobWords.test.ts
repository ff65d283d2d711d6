import { describe, expect, it } from 'vitest';
import type { JobInfo } from './jobs';
import { jobEndNotice } from './jobWords';

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
