import { describe, expect, it } from 'vitest';
import { seedLab } from '../shared/render/testing';
import { labDifferences } from './labDiff';

describe('labDifferences', () => {
  it('is empty for the same lab, and names each field that differs with both values', () => {
    expect(labDifferences(seedLab(), seedLab())).toEqual([]);
    const draft = { ...seedLab(), vm: { ...seedLab().vm, memoryMb: 4096, cpus: 4 } };
    const folder = { ...seedLab(), vm: { ...seedLab().vm, memoryMb: 2048 } };
    expect(labDifferences(folder, draft)).toEqual([
      { field: 'Memory', folder: '2048 MB', draft: '4096 MB' },
      { field: 'CPUs', folder: String(seedLab().vm.cpus), draft: '4' },
    ]);
  });

  it('names agents added, removed or moved, and the network fields', () => {
    const folder = seedLab();
    const draft = {
      ...seedLab(),
      network: { ...seedLab().network, dns: ['9.9.9.9'] },
      agents: [{ name: 'agent1', ip: '192.168.1.111' }],
    };
    const diff = labDifferences(folder, draft);
    expect(diff.map((d) => d.field)).toEqual(['DNS', 'Agents']);
    expect(diff[1]).toEqual({ field: 'Agents', folder: 'agent1 (192.168.1.111), agent2 (192.168.1.112)', draft: 'agent1 (192.168.1.111)' });
  });

  it('a release the folder pinned for its channel is no difference to a draft that has none yet, but another pin or channel is', () => {
    const folder = { ...seedLab(), k3s: { source: 'channel' as const, value: 'stable', version: 'v1.33.5+k3s1' } };
    expect(labDifferences(folder, { ...seedLab(), k3s: { source: 'channel', value: 'stable' } })).toEqual([]);
    expect(labDifferences(folder, { ...seedLab(), k3s: { source: 'channel', value: 'stable', version: 'v1.34.1+k3s1' } })).toEqual([
      { field: 'k3s', folder: 'channel stable (v1.33.5+k3s1)', draft: 'channel stable (v1.34.1+k3s1)' },
    ]);
    expect(labDifferences(folder, { ...seedLab(), k3s: { source: 'version', value: 'v1.33.5+k3s1' } })).toEqual([
      { field: 'k3s', folder: 'channel stable', draft: 'version v1.33.5+k3s1' },
    ]);
  });

  it('sees every field: a change to any one of them is named', () => {
    const changed: [string, (lab: ReturnType<typeof seedLab>) => void][] = [
      ['Name', (l) => (l.name = 'other')],
      ['Network interface', (l) => (l.network.nic = 'eth9')],
      ['VirtualBox bridge', (l) => (l.network.bridge = 'eth9')],
      ['Subnet', (l) => (l.network.subnet = '10.0.0.0/24')],
      ['Host address', (l) => (l.network.hostIp = '192.168.1.5')],
      ['Default route', (l) => (l.network.gateway = '192.168.1.254')],
      ['Server', (l) => (l.server.ip = '192.168.1.120')],
      ['Box', (l) => (l.vm.box = 'other/box')],
      ['Linked clones', (l) => (l.vm.linkedClone = !l.vm.linkedClone)],
      ['Agents come up', (l) => (l.vm.parallel = !l.vm.parallel)],
      ['Registry', (l) => (l.registry.enabled = !l.registry.enabled)],
    ];
    for (const [field, change] of changed) {
      const draft = structuredClone(seedLab());
      change(draft);
      expect(
        labDifferences(seedLab(), draft).map((d) => d.field),
        field,
      ).toEqual([field]);
    }
  });
});
