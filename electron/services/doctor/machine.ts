/** The rules about this computer's virtualisation: KVM and vboxdrv on Linux, Apple silicon, Hyper-V. */
import type { Check } from '../../../shared/doctor';
import { compareVersions } from '../tools';
import { check, minor } from './check';
import type { DoctorFacts } from './facts';

/** On Apple silicon, 7.1 is the first VirtualBox that runs VMs at all. */
const APPLE_SILICON_VIRTUALBOX = '7.1.0';

/**
 * Linux 6.12 made KVM take VT-x/AMD-V as soon as its module loads (`kvm.enable_virt_at_load=1`), not
 * only while a KVM VM runs, and VirtualBox then refuses to start VMs (VERR_VMX_IN_VMX_ROOT_MODE /
 * VERR_SVM_IN_USE). VirtualBox 7.2.10 is reported to share an idle KVM again.
 */
const KVM_TAKES_VTX_AT_LOAD = '6.12';
const VIRTUALBOX_SHARES_IDLE_KVM = '7.2.10';

export function kernelChecks(facts: DoctorFacts): Check[] {
  const { host, modules, tools } = facts;
  if (host.platform !== 'linux') return [];
  if (!modules)
    return [
      check(
        'kernel-modules',
        'warn',
        'Could not read /proc/modules, so KVM and vboxdrv were not checked.',
        'Run "lsmod | grep -E \'kvm|vbox\'" to check by hand.',
      ),
    ];
  const checks: Check[] = [];
  const kvm = modules.filter((m) => m === 'kvm_intel' || m === 'kvm_amd');
  if (kvm.length) {
    const vbox = tools.VBoxManage.version;
    const blocked =
      compareVersions(host.release, KVM_TAKES_VTX_AT_LOAD) >= 0 &&
      !!tools.VBoxManage.found &&
      !(vbox && compareVersions(vbox, VIRTUALBOX_SHARES_IDLE_KVM) >= 0);
    checks.push(
      check(
        'kvm',
        blocked ? 'fail' : 'warn',
        blocked
          ? `KVM (${kvm.join(', ')}) is loaded, and on this kernel it holds VT-x/AMD-V from the moment it loads: VirtualBox cannot start any VM while it does.`
          : `KVM (${kvm.join(', ')}) is loaded: while a KVM VM runs (libvirt, GNOME Boxes, an Android emulator), VirtualBox cannot start VMs.`,
        `Stop KVM VMs, then unload it: "sudo modprobe -r ${kvm.join(' ')} kvm" (to keep it from loading at boot, blacklist ${kvm.join(' and ')} in /etc/modprobe.d).`,
      ),
    );
  } else checks.push(check('kvm', 'ok', 'KVM is not loaded, so VirtualBox can use VT-x/AMD-V.'));
  if (tools.VBoxManage.found) {
    checks.push(
      modules.includes('vboxdrv')
        ? check('vboxdrv', 'ok', 'The VirtualBox kernel module (vboxdrv) is loaded.')
        : check(
            'vboxdrv',
            'fail',
            'VirtualBox is installed but its kernel module vboxdrv is not loaded, so no VM can start.',
            'Run "sudo /sbin/vboxconfig" (it builds the module for this kernel; with Secure Boot, sign it or enrol the key), then Re-check.',
          ),
    );
  }
  return checks;
}

/** Every Windows feature that keeps the hypervisor on, and how to turn each off. */
const HYPERV_OFF =
  'If the VMs are slow or fail, turn off what runs the hypervisor: Windows Security → Device security → Core isolation → Memory integrity; "Turn Windows features on or off" → Hyper-V, Virtual Machine Platform and Windows Hypervisor Platform; then "bcdedit /set hypervisorlaunchtype off" in an administrator prompt, and restart. WSL 2 and Docker Desktop stop working while it is off.';

/**
 * Intel Macs load VirtualBox's kernel extension only after the user allows it; until then every VM
 * fails with "Kernel driver not installed (rc=-1908)" (VirtualBox's VERR_VM_DRIVER_NOT_INSTALLED).
 */
function kextCheck(loaded: boolean | null): Check {
  if (loaded) return check('macos-kext', 'ok', "VirtualBox's kernel extension is loaded.");
  if (loaded === null)
    return check(
      'macos-kext',
      'warn',
      "Could not list the loaded kernel extensions, so VirtualBox's was not checked.",
      'Run "kmutil showloaded --list-only | grep -i virtualbox" to check by hand.',
    );
  return check(
    'macos-kext',
    'fail',
    'VirtualBox is installed but its kernel extension is not loaded, so every VM fails ("Kernel driver not installed (rc=-1908)").',
    'Open System Settings → Privacy & Security, allow the system software from "Oracle America, Inc." that was blocked, then restart the Mac and Re-check.',
  );
}

export function platformChecks(facts: DoctorFacts): Check[] {
  const { host, tools } = facts;
  if (host.platform === 'darwin' && host.arch === 'arm64') {
    const vbox = tools.VBoxManage.version;
    if (vbox && compareVersions(vbox, APPLE_SILICON_VIRTUALBOX) < 0)
      return [
        check(
          'apple-silicon',
          'fail',
          `VirtualBox ${vbox} cannot run VMs on Apple silicon: ${minor(APPLE_SILICON_VIRTUALBOX)} is the first release that does.`,
          `Install VirtualBox ${minor(APPLE_SILICON_VIRTUALBOX)} or later for "macOS / Apple Silicon hosts" from https://www.virtualbox.org/wiki/Downloads.`,
        ),
      ];
    return [
      check(
        'apple-silicon',
        'ok',
        'This Mac has Apple silicon: VirtualBox runs arm64 guests only, so the box must have an arm64 build (bento/ubuntu-24.04 has one).',
        vbox ? '' : `Install VirtualBox ${minor(APPLE_SILICON_VIRTUALBOX)} or later for "macOS / Apple Silicon hosts".`,
      ),
    ];
  }
  if (host.platform === 'darwin' && host.arch === 'x64' && tools.VBoxManage.found) return [kextCheck(facts.vboxKextLoaded)];
  if (host.platform === 'win32' && facts.hypervisorPresent) {
    return [
      check(
        'hyperv',
        'warn',
        'Hyper-V (or WSL 2, Virtual Machine Platform, or memory integrity) is running, so VirtualBox has to run VMs through it: much slower, and some VMs fail to boot.',
        HYPERV_OFF,
      ),
    ];
  }
  if (host.platform === 'win32' && facts.hypervisorPresent === false)
    return [check('hyperv', 'ok', 'Hyper-V is not running, so VirtualBox has VT-x/AMD-V to itself.')];
  if (host.platform === 'win32')
    return [
      check(
        'hyperv',
        'warn',
        'Could not tell whether Hyper-V is running: PowerShell did not answer "(Get-CimInstance Win32_ComputerSystem).HypervisorPresent".',
        `Run that command in PowerShell: True means VMs run through Hyper-V, slower and sometimes failing to boot. ${HYPERV_OFF}`,
      ),
    ];
  return [];
}
