import { describe, expect, it } from 'vitest';
import type { JobInfo, LabStatus, NodeStatus, VagrantState } from './jobs';
import type { LabCheck } from './labCheck';
import { staleCheck } from './staleCheck';

const checkedAt = Date.parse('2026-12-06T03:00:00.000Z');
const machines = ['server', 'agent1', 'agent2'];
const check = (ok: boolean | null = true, at = checkedAt): LabCheck => ({
  ok: ok === true,
  checkedAt: new Date(at).toISOString(),
  nodes: machines.map((machine) => ({ machine, ok, checks: [] })),
});
const node = (machine: string, vagrantState: VagrantState): NodeStatus => ({
  name: machine,
  machine,
  role: machine === 'server' ? 'server' : 'agent',
  ip: '192.168.1.110',
  vagrantState,
  vagrantStateText: vagrantState,
  provider: 'virtualbox',
  ready: null,
});
const status = (states: Record<string, VagrantState>, at = checkedAt + 5_000): LabStatus => ({
  dir: '/labs/demo',
  nodes: machines.map((m) => node(m, states[m] ?? 'running')),
  clusterReachable: true,
  checkedAt: at,
  kubeconfigPath: null,
});
const job = (kind: JobInfo['kind'], startedAt: number): JobInfo => ({
  id: `${kind}-${startedAt}`,
  dir: '/labs/demo',
  kind,
  status: 'succeeded',
  startedAt,
  endedAt: startedAt + 1_000,
  exitCode: 0,
  steps: [],
  currentStep: null,
  logFile: '/labs/demo/logs/x.log',
  lineCount: 0,
});

describe('staleCheck', () => {
  it('is fresh while every machine still runs and nothing re-provisioned them', () => {
    expect(staleCheck(check(), status({}), [job('up', checkedAt - 60_000), job('route-controller', checkedAt + 1_000)])).toBeNull();
    expect(staleCheck(null, status({ server: 'poweroff' }), [])).toBeNull();
  });

  it('goes stale once a machine stopped, naming it in its own row and in the others', () => {
    const stale = staleCheck(check(), status({ server: 'poweroff' }), []);
    expect(stale?.byMachine).toEqual({
      server: 'server stopped after the check',
      agent1: 'server stopped after the check',
      agent2: 'server stopped after the check',
    });
    const two = staleCheck(check(), status({ agent1: 'saved', agent2: 'aborted' }), []);
    expect(two?.byMachine.agent1).toBe('agent1 stopped after the check');
    expect(two?.byMachine.server).toBe('agent1 and agent2 stopped after the check');
  });

  it('says destroyed for a machine that no longer exists', () => {
    const stale = staleCheck(check(), status({ server: 'not_created', agent1: 'not_created', agent2: 'poweroff' }), []);
    expect(stale?.byMachine.server).toBe('server destroyed after the check');
    expect(stale?.byMachine.agent2).toBe('agent2 stopped after the check');
    expect(stale?.reason).toBe('server and agent1 destroyed after the check; agent2 stopped after the check');
  });

  it('goes stale when Provision or Up started after the check, running or done', () => {
    expect(staleCheck(check(), status({}), [job('provision', checkedAt + 1)])?.byMachine.agent1).toBe('Provision ran after the check');
    expect(staleCheck(check(), status({}), [{ ...job('up', checkedAt + 1), status: 'running' }])?.reason).toBe('Up ran after the check');
    // Up's own check comes at its end: the Up that made it does not make it stale.
    expect(staleCheck(check(), status({}), [job('up', checkedAt - 1)])).toBeNull();
  });

  it('trusts only machine states read after the check, and leaves unchecked nodes alone', () => {
    // A state read before the check (the check saw the machine running since).
    expect(staleCheck(check(), status({ server: 'poweroff' }, checkedAt - 1), [])).toBeNull();
    // "unknown": Vagrant did not say; no reason to doubt the check.
    expect(staleCheck(check(), status({ server: 'unknown' }), [])).toBeNull();
    // A node the check could not ask has no verdict to go stale.
    expect(staleCheck(check(null), status({ server: 'poweroff' }), [])).toBeNull();
  });

  it('is fresh again after a new check', () => {
    const provision = job('provision', checkedAt + 1);
    expect(staleCheck(check(), status({}), [provision])).not.toBeNull();
    expect(staleCheck(check(true, checkedAt + 10_000), status({}, checkedAt + 20_000), [provision])).toBeNull();
  });
});
