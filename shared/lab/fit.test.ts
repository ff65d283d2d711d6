import { describe, expect, it } from 'vitest';
import { seedLab } from '../render/testing';
import { hostFit } from './fit';

const GiB = 2 ** 30;

describe('hostFit', () => {
  it('is quiet when three 4 GiB VMs with 2 vCPUs fit a 32 GiB, 8-CPU host', () => {
    expect(hostFit(seedLab(), { cpus: 8, totalMemoryBytes: 32 * GiB })).toEqual([]);
  });

  it('warns when the VMs leave the host too little memory, and says what would fit', () => {
    const [note] = hostFit(seedLab(), { cpus: 8, totalMemoryBytes: 8 * GiB });
    expect(note).toMatchObject({ level: 'warn', path: 'vm.memoryMb' });
    expect(note!.message).toBe(
      'The 3 VMs need 12.0 GiB together, but this computer has 8.0 GiB and should keep 2.0 GiB for itself. Give each VM at most 2048 MB, or use fewer agents.',
    );
  });

  it('warns when one VM asks for more vCPUs than the host has, and notes sharing otherwise', () => {
    expect(hostFit({ ...seedLab(), vm: { ...seedLab().vm, cpus: 6 } }, { cpus: 4, totalMemoryBytes: 64 * GiB })).toEqual([
      expect.objectContaining({ level: 'warn', path: 'vm.cpus' }),
    ]);
    expect(hostFit(seedLab(), { cpus: 4, totalMemoryBytes: 64 * GiB })).toEqual([
      expect.objectContaining({ level: 'info', path: 'vm.cpus', message: expect.stringContaining('6 vCPUs on 4 CPUs') }),
    ]);
  });

  it('says when booting every agent at once would crowd the host, and not when they go one after another', () => {
    const threeAgents = { ...seedLab(), agents: [1, 2, 3].map((n) => ({ name: `agent${n}`, ip: `192.168.1.${110 + n}` })) };
    const host = { cpus: 4, totalMemoryBytes: 64 * GiB };
    expect(hostFit(threeAgents, host)).toContainEqual({
      level: 'info',
      path: 'vm.parallel',
      message:
        'Up boots the 3 agents at once (3 × 2 = 6 vCPUs) on 4 CPUs: this computer will be crowded while they install. Turn off "Agents side by side" to bring them up one after another, slower but gentler.',
    });
    expect(hostFit({ ...threeAgents, vm: { ...threeAgents.vm, parallel: false } }, host).map((n) => n.path)).not.toContain('vm.parallel');
    expect(hostFit(threeAgents, { ...host, cpus: 8 }).map((n) => n.path)).not.toContain('vm.parallel');
  });
});
