/** The rules about the lab's size: memory, CPUs and disk, against what this computer has. */
import type { Check } from '../../../shared/doctor';
import { check, GiB, gib } from './check';
import type { DiskSpace, DoctorFacts } from './facts';

/** Room the host keeps for itself, its desktop and a browser, whatever the VMs get. */
export const HOST_MEMORY_RESERVE = 2 * GiB;
/** A Vagrant box as kept under ~/.vagrant.d/boxes (the Bento Ubuntu box is about 1 GiB unpacked; with room for an update). */
export const BOX_BYTES = 2 * GiB;
/** What one node's disk grows to: k3s, its images, apt's cache, and the registry's first images on the server. */
export const NODE_DISK_BYTES = 4 * GiB;
/** A full clone copies the box's disk into every VM; a linked clone shares one copy. */
export const FULL_CLONE_EXTRA_BYTES = 2 * GiB;
/** Free space a disk should still have after the lab, so the host does not run dry. */
export const DISK_HEADROOM = 5 * GiB;

export function sizeChecks(facts: DoctorFacts): Check[] {
  const { sizing, host } = facts;
  if (!sizing) return [];
  const vmBytes = sizing.nodes * sizing.memoryMb * 2 ** 20;
  const checks: Check[] = [];
  const what = `${sizing.nodes} VM${sizing.nodes === 1 ? '' : 's'} × ${sizing.memoryMb} MB = ${gib(vmBytes)}`;
  if (vmBytes + HOST_MEMORY_RESERVE > host.totalMemoryBytes)
    checks.push(
      check(
        'memory',
        'fail',
        `The lab does not fit in memory: ${what} of this computer's ${gib(host.totalMemoryBytes)}, leaving less than ${gib(HOST_MEMORY_RESERVE)} for the host.`,
        'Give each VM less memory (2048 MB works for a small lab) or use fewer agents.',
      ),
    );
  else if (vmBytes > host.totalMemoryBytes * 0.75)
    checks.push(
      check(
        'memory',
        'warn',
        `The lab takes ${what}, more than three quarters of this computer's ${gib(host.totalMemoryBytes)}: the host will be tight while it runs.`,
        'Close other programs while the lab runs, or give each VM less memory.',
      ),
    );
  else checks.push(check('memory', 'ok', `The lab takes ${what} of this computer's ${gib(host.totalMemoryBytes)}.`));

  const vcpus = sizing.nodes * sizing.cpus;
  if (sizing.cpus > host.cpus)
    checks.push(
      check(
        'cpus',
        'fail',
        `Each VM has ${sizing.cpus} vCPUs but this computer has ${host.cpus} CPUs: VirtualBox will not give a VM more CPUs than the host has.`,
        `Set CPUs per VM to ${host.cpus} or fewer.`,
      ),
    );
  else if (vcpus > host.cpus)
    checks.push(
      check(
        'cpus',
        'warn',
        `The lab has ${vcpus} vCPUs on ${host.cpus} CPUs: they will share, so provisioning is slower.`,
        'Fine for a lab; give each VM fewer CPUs if the host feels slow.',
      ),
    );
  else checks.push(check('cpus', 'ok', `The lab has ${vcpus} vCPUs on ${host.cpus} CPUs.`));
  return checks;
}

/** Free space per filesystem: spaces on one device share what it has. */
export function diskCheck(disks: DiskSpace[]): Check | null {
  if (!disks.length) return null;
  const byDevice = new Map<number, DiskSpace[]>();
  for (const disk of disks) byDevice.set(disk.device, [...(byDevice.get(disk.device) ?? []), disk]);
  const results = [...byDevice.values()].map((group) => {
    const need = group.reduce((n, d) => n + d.needBytes, 0);
    const free = group[0]!.freeBytes;
    const where = group.map((d) => `${d.role} (${d.path})`).join(' and ');
    return free < need
      ? check(
          'disk',
          'fail',
          `Not enough disk: ${where} need about ${gib(need)}, and that disk has ${gib(free)} free.`,
          'Free some space on that disk, or choose a lab folder on another one.',
        )
      : free - need < DISK_HEADROOM
        ? check(
            'disk',
            'warn',
            `Disk is tight: ${where} need about ${gib(need)} of the ${gib(free)} free, leaving under ${gib(DISK_HEADROOM)}.`,
            'Free some space before the VMs grow.',
          )
        : check('disk', 'ok', `${where[0]!.toUpperCase()}${where.slice(1)}: about ${gib(need)} needed, ${gib(free)} free.`);
  });
  const problem = results.find((r) => r.status === 'fail') ?? results.find((r) => r.status === 'warn');
  return problem ?? check('disk', 'ok', results.map((r) => r.message).join(' '));
}
