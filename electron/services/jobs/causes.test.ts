/**
 * Each known cause, from the real tool's own text: Vagrant 2.3.4's templates/locales/en.yml (read
 * from the installed gem where it is here), VirtualBox's errors as users posted them from real runs
 * (hashicorp/vagrant#2102, #9025, #11325; kubernetes/minikube#4913), and the guest tools' messages.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTool } from '../process';
import { knownCause } from './causes';

const enYml = '/usr/share/rubygems-integration/all/gems/vagrant-2.3.4/templates/locales/en.yml';
const vagrantText = (() => {
  try {
    return readFileSync(enYml, 'utf8');
  } catch {
    return null;
  }
})();
/** A message of Vagrant's locale file as Vagrant prints it (the YAML block's lines, unindented). */
function vagrantMessage(key: string): string {
  const lines = vagrantText!.split('\n');
  const start = lines.findIndex((line) => line.trimStart().startsWith(`${key}: |-`));
  expect(start, key).toBeGreaterThan(-1);
  const indent = lines[start + 1]!.length - lines[start + 1]!.trimStart().length;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() && line.length - line.trimStart().length < indent) break;
    body.push(line.slice(indent));
  }
  return body.join('\n').replace(/%\{(\w+)\}/g, (_, name: string) => `<${name}>`);
}

const vboxStderr = (lines: string[]) => [
  'There was an error while executing `VBoxManage`, a CLI used by Vagrant',
  'for controlling VirtualBox. The command and stderr is shown below.',
  '',
  'Command: ["startvm", "5b3fa4f2-c6ec-4b11-bc27-972959a39875", "--type", "headless"]',
  '',
  ...lines,
];

describe('known causes, in the tools’ own words', () => {
  it.each([
    [
      'bridge-not-found',
      vboxStderr([
        "Stderr: VBoxManage: error: Failed to open/create the internal network 'HostInterfaceNetworking-wlp5s0' (VERR_INTNET_FLT_IF_NOT_FOUND).",
        'VBoxManage: error: Failed to attach the network LUN (VERR_INTNET_FLT_IF_NOT_FOUND)',
        'VBoxManage: error: Details: code E_FAIL (0x80004005), component ConsoleWrap, interface IConsole',
      ]),
    ],
    [
      'vtx-taken',
      vboxStderr([
        'Stderr: VBoxManage: error: VT-x is being used by another hypervisor (VERR_VMX_IN_VMX_ROOT_MODE).',
        "VBoxManage: error: VirtualBox can't operate in VMX root mode. Please disable the KVM kernel extension, recompile your kernel and reboot (VERR_VMX_IN_VMX_ROOT_MODE)",
      ]),
    ],
    [
      'vtx-taken',
      vboxStderr([
        'Stderr: VBoxManage.exe: error: Not in a hypervisor partition (HVP=0) (VERR_NEM_NOT_AVAILABLE).',
        'VBoxManage.exe: error: VT-x is not available (VERR_VMX_NO_VMX)',
      ]),
    ],
    ['vtx-disabled', vboxStderr(['Stderr: VBoxManage.exe: error: VT-x is disabled in the BIOS for all CPU modes (VERR_VMX_MSR_ALL_VMX_DISABLED)'])],
    ['disk-full', vboxStderr(['Stderr: VBoxManage: error: Could not create the medium storage unit (VERR_DISK_FULL).'])],
    ['disk-full', ['    server: tar: k3s: Cannot write: No space left on device']],
    ['guest-network', ['    agent1: curl: (6) Could not resolve host: get.k3s.io']],
    ['guest-network', ["    server: Temporary failure resolving 'archive.ubuntu.com'"]],
    ['guest-network', ['    server: Error: Nexthop has invalid gateway.']],
    ['guest-network', ['    server: curl: (7) Failed to connect to get.k3s.io port 443: Network is unreachable']],
  ])('%s', (id, lines) => {
    expect(knownCause(lines)?.id).toBe(id);
  });

  it.skipIf(vagrantText === null)("recognises Vagrant 2.3.4's own messages, read from its locale file", () => {
    expect(knownCause(vagrantMessage('ui_expects_tty').split('\n'))?.id).toBe('tty-or-bridge-choice');
    expect(knownCause(vagrantMessage('specific_not_found').split('\n'))?.id).toBe('tty-or-bridge-choice');
    expect(knownCause(vagrantMessage('box_add_short_not_found').split('\n'))?.id).toBe('box-unavailable');
    expect(knownCause(vagrantMessage('box_not_found').split('\n'))?.id).toBe('box-unavailable');
    expect(knownCause(vagrantMessage('downloader_error').split('\n'))?.id).toBe('box-unavailable');
    expect(knownCause(vagrantMessage('collision_error').split('\n'))?.id).toBe('port-collision');
  });

  it('names the field or command to change, and leaves an unknown failure alone', () => {
    expect(knownCause(['    agent1: curl: (6) Could not resolve host: get.k3s.io'])?.hint).toContain('network.gateway');
    expect(knownCause(["\x1b[0;31mSpecific bridge 'en0' not found. You may be asked to specify\x1b[0m"])?.hint).toContain('--bridge NAME');
    expect(knownCause(['The SSH command responded with a non-zero exit status.'])).toBeNull();
  });
});

describe('kubectl on macOS when Local Network privacy blocks the app', () => {
  it('is named, with where to allow it, on macOS only; read from the real kubectl’s own error line', async () => {
    // Real kubectl against a port nothing listens on: its dial error, then Go's text for EHOSTUNREACH
    // (syscall: "no route to host") in place of ECONNREFUSED's, which is what macOS's refusal yields.
    const home = await mkdtemp(path.join(tmpdir(), 'cluster-lab-causes-'));
    try {
      const kubeconfig = path.join(home, 'config');
      await writeFile(
        kubeconfig,
        'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: x}\n',
      );
      const result = await runTool('kubectl', ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'json', '--request-timeout=5s'], {
        env: { PATH: process.env.PATH, HOME: home },
      });
      const line = result.stderr.split('\n').find((l) => l.includes('dial tcp 127.0.0.1:1: connect: connection refused'));
      expect(line).toBeDefined();
      const blocked = line!.replace('connection refused', 'no route to host').replaceAll('127.0.0.1:1', '192.168.1.110:6443');
      expect(knownCause([blocked], 'darwin')).toMatchObject({
        id: 'macos-local-network',
        hint: expect.stringContaining('Privacy & Security → Local Network'),
      });
      expect(knownCause([blocked], 'linux')).toBeNull();
      expect(knownCause([line!], 'darwin')).toBeNull();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
