/**
 * The failures a lab's Up meets in the field, recognised in Vagrant's, VirtualBox's and the guest's
 * own words, each with what to change: the lab field, the host setting or the command. The texts
 * are theirs: Vagrant 2.3.4's templates/locales/en.yml, VirtualBox's VBoxManage errors as Vagrant
 * relays them ("Stderr: VBoxManage: error: ..."), and the guest tools' messages (curl, apt, iproute2).
 * Pure: the tests feed each cause the real tool's text.
 */
import { stripAnsi } from '../../../shared/lines';

export interface KnownCause {
  id: string;
  /** What happened, in a person's words. */
  cause: string;
  /** What to do, naming the field or command to change. */
  hint: string;
}

interface Rule extends KnownCause {
  pattern: RegExp;
  /** Only where the words mean this cause. */
  platforms?: NodeJS.Platform[];
}

const rules: Rule[] = [
  {
    id: 'bridge-not-found',
    // VirtualBox: "Failed to open/create the internal network 'HostInterfaceNetworking-<name>' (VERR_INTNET_FLT_IF_NOT_FOUND)".
    pattern: /VERR_INTNET_FLT_IF_NOT_FOUND/,
    cause: 'VirtualBox could not find the host network interface the VMs are bridged onto.',
    hint: 'The interface is gone or renamed (a USB adapter unplugged, a VPN that replaced it). Pick a connected interface in the Network step, or `cluster-lab render --dir DIR --bridge NAME` with a name from `VBoxManage list bridgedifs`; on Windows, check that the adapter has "VirtualBox NDIS6 Bridged Networking Driver" ticked.',
  },
  {
    id: 'tty-or-bridge-choice',
    // en.yml ui_expects_tty, and bridged_networking.specific_not_found / the "Which interface should the network bridge to?" prompt.
    pattern: /requires\s+a TTY|Specific bridge '[^']*' not found|Which interface should the network bridge to\?/,
    cause: "Vagrant stopped to ask which host interface to bridge onto: the lab's bridge is not one VirtualBox offers up.",
    hint: 'Pick the interface in the Network step (or `cluster-lab render --dir DIR --bridge NAME`), using the name `VBoxManage list bridgedifs` shows for it, and make sure it is connected; then run Up again.',
  },
  {
    id: 'vtx-taken',
    // VirtualBox: VERR_VMX_IN_VMX_ROOT_MODE ("VT-x is being used by another hypervisor"), VERR_SVM_IN_USE,
    // VERR_VMX_NO_VMX / VERR_NEM_NOT_AVAILABLE (Hyper-V on Windows).
    pattern: /VERR_VMX_IN_VMX_ROOT_MODE|VERR_SVM_IN_USE|VERR_VMX_NO_VMX|VERR_NEM_NOT_AVAILABLE|VERR_SVM_NO_SVM/,
    cause: 'Another hypervisor holds the CPU’s virtualisation (VT-x/AMD-V): KVM on Linux, Hyper-V on Windows.',
    hint: 'Linux: stop KVM users (libvirt, GNOME Boxes) and unload it (`sudo modprobe -r kvm_intel kvm_amd kvm`); Linux 6.12 and later take it at load, so also set `kvm.enable_virt_at_load=0`. Windows: turn off Hyper-V, the Virtual Machine Platform and Core isolation → Memory integrity (or `bcdedit /set hypervisorlaunchtype off`), then restart. Check machine shows which.',
  },
  {
    id: 'vtx-disabled',
    pattern: /VERR_VMX_MSR_ALL_VMX_DISABLED|VERR_SVM_DISABLED/,
    cause: 'Virtualisation (VT-x/AMD-V) is turned off in this computer’s firmware.',
    hint: 'Turn on Intel VT-x or AMD-V (SVM) in the BIOS/UEFI settings, then run Up again.',
  },
  {
    id: 'box-unavailable',
    // en.yml box_add_short_not_found, box_not_found, downloader_error.
    pattern:
      /could not be found or\s+could not be accessed in the remote catalog|The box '[^']*' does not exist|An error occurred while downloading the remote file/,
    cause: 'Vagrant could not find or download the box.',
    hint: 'Check the Box field in the Lab step (lab.json `vm.box`): a name such as bento/ubuntu-24.04, an https:// URL of a .box file, or a local .box path; and that this computer reaches the internet (or add the box by hand with `vagrant box add`).',
  },
  {
    id: 'port-collision',
    // en.yml forwarded_port collision_error.
    pattern: /Vagrant cannot forward the specified ports on this VM, since they\s+would collide/,
    cause: 'The host port Vagrant forwards to a VM’s SSH is taken by another program or VM.',
    hint: 'Another Vagrant VM (another lab, or this one started elsewhere) holds the port: stop it (`vagrant global-status`, then `vagrant halt ID`), or free the port named above, then run Up again.',
  },
  {
    id: 'disk-full',
    pattern: /No space left on device|VERR_DISK_FULL|ENOSPC/,
    cause: 'A disk is full: the host’s (VirtualBox’s VM folder or Vagrant’s box store) or the VM’s own.',
    hint: 'Free space on the host (Check machine shows how much the lab needs where), or give the VMs fewer agents; a VM whose own disk is full needs Destroy and Up.',
  },
  {
    id: 'guest-network',
    // Inside the guest: curl "(6) Could not resolve host", apt "Temporary failure resolving", ip
    // "Nexthop has invalid gateway", "Network is unreachable".
    pattern:
      /Could not resolve host|Temporary failure (?:in name resolution|resolving)|Network is unreachable|Nexthop has invalid gateway|No route to host|default routes are not the lab's/,
    cause: 'A VM could not reach the internet over the LAN: its default route, DNS or subnet does not work on this network.',
    hint: "Check the Addresses step (lab.json `network.gateway`, `network.dns`, `network.subnet`): the default route must be this LAN's router, the subnet the LAN's own (its mask too), and the DNS servers reachable from the LAN. Fix them (or `cluster-lab render --gateway --dns --subnet`), write the lab, then run Provision.",
  },
  {
    id: 'macos-local-network',
    // kubectl (Go's net package): "Unable to connect to the server: dial tcp 192.168.1.110:6443: connect:
    // no route to host". On macOS 15 that is what Local Network privacy does to a connection from an app
    // the user has not allowed (EHOSTUNREACH), though the VM answers ping from Terminal.
    pattern: /dial tcp [\d.]+:\d+: connect: no route to host/,
    platforms: ['darwin'],
    cause: 'macOS blocked Cluster Lab from reaching the lab on the local network.',
    hint: 'Open System Settings → Privacy & Security → Local Network, turn on Cluster Lab, then run Up again (or Refresh status). If Cluster Lab is not listed, quit and open it again so macOS asks.',
  },
];

/** The first known cause the failing command's last lines show, or null. */
export function knownCause(lines: readonly string[], platform: NodeJS.Platform = process.platform): KnownCause | null {
  const text = stripAnsi(lines.join('\n'));
  const rule = rules.find((r) => r.pattern.test(text) && (!r.platforms || r.platforms.includes(platform)));
  return rule ? { id: rule.id, cause: rule.cause, hint: rule.hint } : null;
}
