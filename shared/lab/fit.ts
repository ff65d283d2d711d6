/**
 * Whether a lab fits this computer: the schema can not know the host, so these are warnings, not
 * errors. VirtualBox lets VMs ask for more memory than there is, and then the host swaps.
 */
import type { HostInfo } from '../host';
import type { LabConfig } from './schema';

export interface FitNote {
  level: 'warn' | 'info';
  path: 'vm.memoryMb' | 'vm.cpus' | 'vm.parallel';
  message: string;
}

const MIB = 2 ** 20;
/** What the host keeps for itself: its desktop, browser and VirtualBox's own overhead. */
export function hostReserveMb(hostMb: number): number {
  return Math.max(2048, Math.round(hostMb * 0.25));
}

const gib = (mb: number) => `${(mb / 1024).toFixed(1)} GiB`;

export function hostFit(config: Pick<LabConfig, 'agents' | 'vm'>, host: Pick<HostInfo, 'cpus' | 'totalMemoryBytes'>): FitNote[] {
  const notes: FitNote[] = [];
  const nodes = 1 + config.agents.length;
  const { memoryMb, cpus } = config.vm;
  const hostMb = Math.floor(host.totalMemoryBytes / MIB);
  const reserve = hostReserveMb(hostMb);
  const room = hostMb - reserve;
  if (Number.isFinite(memoryMb) && nodes * memoryMb > room) {
    const perVm = Math.floor(room / nodes / 256) * 256;
    notes.push({
      level: 'warn',
      path: 'vm.memoryMb',
      message:
        `The ${nodes} VMs need ${gib(nodes * memoryMb)} together, but this computer has ${gib(hostMb)} and should keep ${gib(reserve)} for itself. ` +
        (perVm >= 1024 ? `Give each VM at most ${perVm} MB, or use fewer agents.` : 'Use fewer agents: even 1024 MB each would not fit.'),
    });
  }
  if (Number.isFinite(cpus) && cpus > host.cpus) {
    notes.push({
      level: 'warn',
      path: 'vm.cpus',
      message: `Each VM gets ${cpus} vCPUs but this computer has ${host.cpus}: VirtualBox will not start a VM with more vCPUs than the host has. Use at most ${host.cpus}.`,
    });
  } else if (Number.isFinite(cpus) && nodes * cpus > host.cpus) {
    notes.push({
      level: 'info',
      path: 'vm.cpus',
      message: `${nodes} VMs × ${cpus} vCPUs = ${nodes * cpus} vCPUs on ${host.cpus} CPUs: they take turns, which is fine for a lab at rest but slow under load.`,
    });
  }
  // Up boots every agent at once: each boot keeps its vCPUs busy for minutes.
  const agents = config.agents.length;
  if (config.vm.parallel && agents >= 2 && Number.isFinite(cpus) && cpus <= host.cpus && agents * cpus > host.cpus) {
    notes.push({
      level: 'info',
      path: 'vm.parallel',
      message: `Up boots the ${agents} agents at once (${agents} × ${cpus} = ${agents * cpus} vCPUs) on ${host.cpus} CPUs: this computer will be crowded while they install. Turn off "Agents side by side" to bring them up one after another, slower but gentler.`,
    });
  }
  return notes;
}
