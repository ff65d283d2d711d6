/** The rules about the lab's network: its NIC still on the planned subnet, its bridge one Vagrant will take. */
import { bridgeProblem } from '../../../shared/bridgedifs';
import type { Check } from '../../../shared/doctor';
import { formatCidr, inSubnet, parseCidr, parseIPv4 } from '../../../shared/lab/net';
import { check } from './check';
import type { DoctorFacts } from './facts';

export function nicCheck(facts: DoctorFacts): Check | null {
  const nicName = facts.sizing?.nic;
  if (!nicName) return null;
  if (!facts.nics)
    return check(
      'nic',
      'warn',
      `Could not list this computer's network interfaces: ${facts.nicsProblem ?? 'unknown error'}.`,
      'Re-check; if it persists, check the NIC by hand before Up.',
    );
  const nic = facts.nics.nics.find((n) => n.name === nicName);
  const choose = 'Go back to the Network step and pick the NIC you are connected with, then let the Addresses step plan again.';
  if (!nic) return check('nic', 'fail', `The lab bridges onto ${nicName}, which no longer exists on this computer.`, choose);
  const address = parseIPv4(nic.ipv4 ?? '');
  if (address === null || nic.prefixLength === null)
    return check(
      'nic',
      'fail',
      `${nicName} has no IPv4 address now: it is not connected to a network.`,
      `Connect ${nicName} (plug in the cable or join the Wi-Fi), then Re-check. ${choose}`,
    );
  const planned = facts.sizing?.subnet ? parseCidr(facts.sizing.subnet) : null;
  if (planned && !inSubnet(planned, address))
    return check(
      'nic',
      'fail',
      `${nicName} is now ${nic.ipv4}/${nic.prefixLength}, outside the lab's ${formatCidr(planned)}: this computer is on another network than when the lab was planned, and the VMs' static addresses would not work.`,
      `Reconnect to the network the lab was planned on, or plan the addresses again for this one (Addresses step). ${choose}`,
    );
  if (nic.excluded) return check('nic', 'warn', `${nicName} is up but cannot be bridged: ${nic.excluded}.`, choose);
  return check('nic', 'ok', `${nicName} is up at ${nic.ipv4}/${nic.prefixLength}${planned ? `, inside the lab's ${formatCidr(planned)}` : ''}.`);
}

/** Whether Vagrant will take the lab's bridge, judged on what VirtualBox lists as Vagrant judges it. */
export function bridgeCheck(facts: DoctorFacts): Check | null {
  const bridge = facts.sizing?.bridge;
  const entries = facts.nics?.bridges;
  if (!bridge || !entries) return null;
  const problem = bridgeProblem(bridge, entries);
  if (problem) return check('bridge', 'fail', problem.message, problem.hint);
  return check('bridge', 'ok', `VirtualBox offers the bridge "${bridge}" and reports it up: Vagrant will use it without asking.`);
}

/** Every check, in the order a person fixes things: tools, the machine, the lab's fit, the network. */
