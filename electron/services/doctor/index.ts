/**
 * The preflight: what will go wrong before it does. The facts are gathered in one place
 * (facts.ts); every rule is a pure function of them, one module per concern, so each is tested
 * without the machine. A new check is one function in its module and one line below.
 */
import type { Check, DoctorReport } from '../../../shared/doctor';
import type { ServiceContext } from '../context';
import { check } from './check';
import { gatherFacts, type DoctorFacts } from './facts';
import { diskCheck, sizeChecks } from './fit';
import { k3sCacheCheck, k3sCacheReport } from './k3s';
import { kernelChecks, platformChecks } from './machine';
import { bridgeCheck, nicCheck } from './network';
import {
  kubectlSkewCheck,
  minimumVersions,
  telepresenceCheck,
  toolCheck,
  toolLocationsCheck,
  vagrantVirtualBoxCheck,
  virtualBoxCheck,
} from './tools';

export { sizingFrom, type DiskSpace, type DoctorFacts, type K3sCacheFacts, type LabSizing } from './facts';
export { BOX_BYTES, DISK_HEADROOM, FULL_CLONE_EXTRA_BYTES, HOST_MEMORY_RESERVE, NODE_DISK_BYTES } from './fit';
export { minimumVersions } from './tools';

/** Every check, in the order a person fixes things: tools, the machine, the lab's fit, the network. */
export function doctorChecks(facts: DoctorFacts): Check[] {
  const { tools } = facts;
  const checks: (Check | null)[] = [
    toolCheck('vagrant', tools.vagrant, minimumVersions.vagrant),
    virtualBoxCheck(tools.VBoxManage),
    toolCheck('kubectl', tools.kubectl, minimumVersions.kubectl),
    telepresenceCheck(tools.telepresence),
    vagrantVirtualBoxCheck(tools),
    kubectlSkewCheck(facts),
    toolLocationsCheck(facts),
    ...kernelChecks(facts),
    ...platformChecks(facts),
    facts.labProblem ? check('lab', 'fail', facts.labProblem, 'Choose a lab folder Cluster Lab wrote, or fix its lab.json.') : null,
    ...sizeChecks(facts),
    diskCheck(facts.disks),
    nicCheck(facts),
    bridgeCheck(facts),
    k3sCacheCheck(facts),
  ];
  return checks.filter((c): c is Check => c !== null);
}

export async function runDoctor(ctx: ServiceContext, args: { dir?: string; config?: unknown } = {}): Promise<DoctorReport> {
  const { host, facts } = await gatherFacts(ctx, args);
  return { ...host, checks: doctorChecks(facts), k3sCache: k3sCacheReport(facts) };
}
