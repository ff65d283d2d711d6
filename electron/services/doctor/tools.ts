/** The rules about the tools: installed, new enough, paired with each other, found where the app looks. */
import path from 'node:path';
import type { Check, CheckId } from '../../../shared/doctor';
import { toolMeta, toolNames, type ToolInfo, type ToolName, type ToolReport } from '../../../shared/host';
import { RECURSION_BLOCK_SINCE, ROUTE_CONTROLLER_SINCE } from '../../../shared/telepresence';
import { compareVersions } from '../tools';
import { check, minor } from './check';
import type { DoctorFacts } from './facts';

/**
 * The oldest versions the lab runs with, and why:
 * - Vagrant 2.3.4: 2.3.2 added VirtualBox 7.0 and 2.3.3/2.3.4 fixed its host-only and DHCP handling;
 *   2.3.4 is also the release whose real output Cluster Lab is checked against (and Debian 12's).
 * - VirtualBox 7.0: 6.1 left Oracle's support in January 2024 (6.1.50 was the last) and breaks on
 *   current kernels; 7.0 still runs the lab with Vagrant 2.3.4 but left support in March 2025, so it
 *   is a warning. On Apple silicon 7.1 is the first release that runs VMs at all.
 * - kubectl 1.32: kubectl is supported within one minor version of the API server, and the oldest
 *   Kubernetes minor still maintained when this was written (and so the oldest k3s stable can be) is 1.33.
 */
export const minimumVersions = { vagrant: '2.3.4', VBoxManage: '7.0.0', kubectl: '1.32.0' } as const;
/** The oldest VirtualBox line Oracle still supports. */
const SUPPORTED_VIRTUALBOX = '7.1.0';
/** The first Vagrant release that drives each VirtualBox line (from Vagrant's changelog). */
const vagrantForVirtualBox: [virtualBox: string, vagrant: string][] = [
  ['7.0', '2.3.2'],
  ['7.1', '2.4.2'],
  ['7.2', '2.4.9'],
];

export function toolCheck(tool: ToolName, info: ToolInfo, minimum: string | null): Check {
  const meta = toolMeta[tool];
  const id = `tool-${tool.toLowerCase()}` as CheckId;
  if (!info.found) return check(id, meta.required ? 'fail' : 'warn', `${meta.label} is not installed (${meta.purpose}).`, meta.installHint);
  if (!info.version)
    return check(
      id,
      'warn',
      `${meta.label} was found at ${info.path} but its version could not be read (${info.error ?? 'unknown output'}).`,
      `Run "${info.path} --version" in a terminal to see what is wrong; reinstall ${meta.label} if it does not answer.`,
    );
  if (minimum && compareVersions(info.version, minimum) < 0)
    return check(
      id,
      'fail',
      `${meta.label} ${info.version} is too old: the lab needs ${minimum} or later.`,
      `Update ${meta.label} to ${minimum} or later. ${meta.installHint}`,
    );
  return check(id, 'ok', `${meta.label} ${info.version} at ${info.path}.`);
}

export function virtualBoxCheck(info: ToolInfo): Check {
  const base = toolCheck('VBoxManage', info, minimumVersions.VBoxManage);
  if (base.status !== 'ok' || !info.version || compareVersions(info.version, SUPPORTED_VIRTUALBOX) >= 0) return base;
  return check(
    'tool-vboxmanage',
    'warn',
    `VirtualBox ${info.version} runs the lab, but the ${minor(info.version)} line no longer gets fixes from Oracle.`,
    `Update to VirtualBox ${minor(SUPPORTED_VIRTUALBOX)} or later when you can (it needs Vagrant 2.4.2 or later).`,
  );
}

export function telepresenceCheck(info: ToolInfo): Check {
  const base = toolCheck('telepresence', info, null);
  if (base.status !== 'ok' || !info.version) return base;
  if (compareVersions(info.version, ROUTE_CONTROLLER_SINCE) >= 0)
    return check(
      'tool-telepresence',
      'ok',
      `${base.message} It ignores routing.recursionBlockDuration: from ${minor(ROUTE_CONTROLLER_SINCE)} on, the route controller in the cluster (telepresence helm install --set routeController.enabled=true) guards clusters that are not bridged.`,
    );
  if (compareVersions(info.version, RECURSION_BLOCK_SINCE) >= 0) return base;
  return check(
    'tool-telepresence',
    'warn',
    `Telepresence ${info.version} does not read routing.recursionBlockDuration (it arrived in ${minor(RECURSION_BLOCK_SINCE)}); the bridged lab alone keeps the cluster away from its VIF.`,
    `Update Telepresence to ${minor(RECURSION_BLOCK_SINCE)} or later if you also want the client-side guard.`,
  );
}

export function vagrantVirtualBoxCheck(tools: ToolReport): Check | null {
  const vagrant = tools.vagrant.version;
  const vbox = tools.VBoxManage.version;
  if (!vagrant || !vbox) return null;
  const line = minor(vbox);
  const known = vagrantForVirtualBox.find(([v]) => v === line);
  const newest = vagrantForVirtualBox[vagrantForVirtualBox.length - 1]!;
  if (known && compareVersions(vagrant, known[1]) < 0)
    return check(
      'vagrant-virtualbox',
      'fail',
      `Vagrant ${vagrant} does not drive VirtualBox ${line}: that needs Vagrant ${known[1]} or later, and vagrant up would stop with "VirtualBox version not supported".`,
      `Update Vagrant to ${known[1]} or later (or use a VirtualBox that Vagrant ${vagrant} supports).`,
    );
  if (!known && compareVersions(line, newest[0]) > 0)
    return check(
      'vagrant-virtualbox',
      'warn',
      `VirtualBox ${vbox} is newer than any line this Cluster Lab knows Vagrant support for (up to ${newest[0]}).`,
      'If vagrant up says the VirtualBox version is not supported, update Vagrant to its newest release.',
    );
  return check('vagrant-virtualbox', 'ok', `Vagrant ${vagrant} supports VirtualBox ${line}.`);
}

/** Where each tool was found: a Dock- or Finder-started app has no shell PATH, so the install folders matter. */
export function toolLocationsCheck(facts: DoctorFacts): Check | null {
  const found = toolNames.filter((t) => facts.tools[t].path);
  if (!found.length) return null;
  const onPath = new Set(facts.pathDirs.map((d) => path.resolve(d)));
  const outside: string[] = [];
  const parts = found.map((tool) => {
    const dir = path.dirname(facts.tools[tool].path!);
    const fromPath = onPath.has(path.resolve(dir));
    if (!fromPath) outside.push(toolMeta[tool].label);
    return `${toolMeta[tool].label} in ${dir}${fromPath ? '' : ' (an install folder, not on PATH)'}`;
  });
  const message = `Found ${parts.join('; ')}.`;
  if (!outside.length) return check('tool-locations', 'ok', message);
  return check(
    'tool-locations',
    'ok',
    `${message} ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not on this app's PATH (an app started from the Dock or Finder does not get the shell's), so Cluster Lab runs ${outside.length === 1 ? 'it' : 'them'} from there.`,
    `Nothing to do. Cluster Lab also looks in ${facts.installDirs.join(', ')}.`,
  );
}

export function kubectlSkewCheck(facts: DoctorFacts): Check | null {
  const kubectl = facts.tools.kubectl.version;
  const k3s = facts.sizing?.k3sVersion?.replace(/^v/, '');
  if (!kubectl || !k3s) return null;
  const [km, kn] = kubectl.split('.').map(Number);
  const [sm, sn] = k3s.split('.').map(Number);
  if (km !== sm || Math.abs(kn! - sn!) > 1)
    return check(
      'kubectl-skew',
      'warn',
      `kubectl ${minor(kubectl)} and k3s ${minor(k3s)} are more than one minor version apart, outside Kubernetes' supported skew.`,
      `Install kubectl ${minor(k3s)} (or one minor either side), or pin a k3s release near ${minor(kubectl)}.`,
    );
  return check('kubectl-skew', 'ok', `kubectl ${minor(kubectl)} is within one minor version of k3s ${minor(k3s)}.`);
}
