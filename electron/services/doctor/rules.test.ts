/**
 * Each rule of the doctor at its edges: the verdict one version, one byte or one CPU either side of
 * a limit, and the whole of what it tells the user (message and fix), since that is what they act on.
 */
import { describe, expect, it } from 'vitest';
import { facts, GiB, goodTools, plan, tool, wifi } from '../../../fixtures/doctorFacts';
import type { ToolReport } from '../../../shared/host';
import { check } from './check';
import type { DiskSpace } from './facts';
import { diskCheck, HOST_MEMORY_RESERVE, sizeChecks } from './fit';
import { kernelChecks, platformChecks } from './machine';
import { bridgeCheck, nicCheck } from './network';
import { kubectlSkewCheck, telepresenceCheck, toolCheck, toolLocationsCheck, vagrantVirtualBoxCheck, virtualBoxCheck } from './tools';

const tools = (over: Partial<ToolReport>): ToolReport => ({ ...goodTools(), ...over });

describe('toolCheck', () => {
  it('fails a required tool that is missing and only warns about an optional one, saying what each is for', () => {
    expect(toolCheck('vagrant', tool(null), '2.3.4')).toEqual(
      check(
        'tool-vagrant',
        'fail',
        'Vagrant is not installed (creates and provisions the lab VMs).',
        'Install Vagrant from https://developer.hashicorp.com/vagrant/install (Debian/Ubuntu: apt-get install vagrant).',
      ),
    );
    expect(toolCheck('telepresence', tool(null), null)).toMatchObject({ id: 'tool-telepresence', status: 'warn' });
  });

  it('warns about a tool that does not say its version, with the command to try', () => {
    const info = { found: true, path: '/usr/bin/VBoxManage', version: null, error: 'exit 1' };
    expect(toolCheck('VBoxManage', info, '7.0.0')).toEqual(
      check(
        'tool-vboxmanage',
        'warn',
        'VirtualBox was found at /usr/bin/VBoxManage but its version could not be read (exit 1).',
        'Run "/usr/bin/VBoxManage --version" in a terminal to see what is wrong; reinstall VirtualBox if it does not answer.',
      ),
    );
    expect(toolCheck('VBoxManage', { ...info, error: undefined }, '7.0.0').message).toMatch(/\(unknown output\)\.$/);
  });

  it('fails a version below the minimum and passes the minimum itself', () => {
    expect(toolCheck('kubectl', tool('1.31.9', '/usr/bin', 'kubectl'), '1.32.0')).toEqual(
      check(
        'tool-kubectl',
        'fail',
        'kubectl 1.31.9 is too old: the lab needs 1.32.0 or later.',
        'Update kubectl to 1.32.0 or later. Install kubectl from https://kubernetes.io/docs/tasks/tools/ (or your package manager).',
      ),
    );
    expect(toolCheck('kubectl', tool('1.32.0', '/usr/bin', 'kubectl'), '1.32.0')).toEqual(
      check('tool-kubectl', 'ok', 'kubectl 1.32.0 at /usr/bin/kubectl.'),
    );
    expect(toolCheck('kubectl', tool('0.1', '/usr/bin', 'kubectl'), null).status).toBe('ok');
  });
});

describe('virtualBoxCheck', () => {
  it('warns from 7.0.0 up to the last 7.0 release that Oracle no longer fixes that line, and passes 7.1.0', () => {
    const warning = (version: string) =>
      check(
        'tool-vboxmanage',
        'warn',
        `VirtualBox ${version} runs the lab, but the 7.0 line no longer gets fixes from Oracle.`,
        'Update to VirtualBox 7.1 or later when you can (it needs Vagrant 2.4.2 or later).',
      );
    expect(virtualBoxCheck(tool('7.0.0', '/usr/bin', 'VBoxManage'))).toEqual(warning('7.0.0'));
    expect(virtualBoxCheck(tool('7.0.26', '/usr/bin', 'VBoxManage'))).toEqual(warning('7.0.26'));
    expect(virtualBoxCheck(tool('7.1.0', '/usr/bin', 'VBoxManage'))).toEqual(
      check('tool-vboxmanage', 'ok', 'VirtualBox 7.1.0 at /usr/bin/VBoxManage.'),
    );
    expect(virtualBoxCheck(tool('6.1.50')).status).toBe('fail');
    expect(virtualBoxCheck(tool(null)).status).toBe('fail');
  });
});

describe('telepresenceCheck', () => {
  it('warns below 2.21, which first reads routing.recursionBlockDuration', () => {
    expect(telepresenceCheck(tool('2.20.9', '/usr/bin', 'telepresence'))).toEqual(
      check(
        'tool-telepresence',
        'warn',
        'Telepresence 2.20.9 does not read routing.recursionBlockDuration (it arrived in 2.21); the bridged lab alone keeps the cluster away from its VIF.',
        'Update Telepresence to 2.21 or later if you also want the client-side guard.',
      ),
    );
    expect(telepresenceCheck(tool('2.21.0', '/usr/bin', 'telepresence'))).toEqual(
      check('tool-telepresence', 'ok', 'Telepresence 2.21.0 at /usr/bin/telepresence.'),
    );
    expect(telepresenceCheck(tool('2.26.9', '/usr/bin', 'telepresence')).message).toBe('Telepresence 2.26.9 at /usr/bin/telepresence.');
  });

  it('says from 2.27 on that the route controller replaced the client setting', () => {
    expect(telepresenceCheck(tool('2.27.0', '/usr/bin', 'telepresence'))).toEqual(
      check(
        'tool-telepresence',
        'ok',
        'Telepresence 2.27.0 at /usr/bin/telepresence. It ignores routing.recursionBlockDuration: from 2.27 on, the route controller in the cluster (telepresence helm install --set routeController.enabled=true) guards clusters that are not bridged.',
      ),
    );
  });

  it('keeps the missing or unreadable verdict', () => {
    expect(telepresenceCheck(tool(null)).status).toBe('warn');
    expect(telepresenceCheck({ found: true, path: '/usr/bin/telepresence', version: null }).message).toMatch(/version could not be read/);
  });
});

describe('vagrantVirtualBoxCheck', () => {
  const pair = (vagrant: string, vbox: string) => vagrantVirtualBoxCheck(tools({ vagrant: tool(vagrant), VBoxManage: tool(vbox) }));

  it('fails a Vagrant older than the first release that drives the VirtualBox line (Vagrant’s changelog)', () => {
    expect(pair('2.3.4', '7.1.6')).toEqual(
      check(
        'vagrant-virtualbox',
        'fail',
        'Vagrant 2.3.4 does not drive VirtualBox 7.1: that needs Vagrant 2.4.2 or later, and vagrant up would stop with "VirtualBox version not supported".',
        'Update Vagrant to 2.4.2 or later (or use a VirtualBox that Vagrant 2.3.4 supports).',
      ),
    );
    for (const [vagrant, vbox, status] of [
      ['2.3.1', '7.0.20', 'fail'],
      ['2.3.2', '7.0.20', 'ok'],
      ['2.4.1', '7.1.0', 'fail'],
      ['2.4.2', '7.1.0', 'ok'],
      ['2.4.8', '7.2.4', 'fail'],
      ['2.4.9', '7.2.4', 'ok'],
      // Older lines than the table knows were driven by every Vagrant the lab accepts.
      ['2.3.4', '6.1.50', 'ok'],
    ] as const)
      expect(pair(vagrant, vbox)?.status, `${vagrant} with ${vbox}`).toBe(status);
    expect(pair('2.4.9', '7.2.4')).toEqual(check('vagrant-virtualbox', 'ok', 'Vagrant 2.4.9 supports VirtualBox 7.2.'));
  });

  it('warns about a VirtualBox line newer than any it knows', () => {
    expect(pair('2.4.9', '7.3.0')).toEqual(
      check(
        'vagrant-virtualbox',
        'warn',
        'VirtualBox 7.3.0 is newer than any line this Cluster Lab knows Vagrant support for (up to 7.2).',
        'If vagrant up says the VirtualBox version is not supported, update Vagrant to its newest release.',
      ),
    );
  });

  it('says nothing until both versions are known', () => {
    expect(vagrantVirtualBoxCheck(tools({ vagrant: tool(null) }))).toBeNull();
    expect(vagrantVirtualBoxCheck(tools({ VBoxManage: tool(null) }))).toBeNull();
  });
});

describe('toolLocationsCheck', () => {
  const withTools = (over: Partial<ToolReport>, pathDirs = ['/usr/bin/', '/bin']) =>
    toolLocationsCheck(facts({ tools: tools(over), pathDirs, installDirs: ['/opt/vagrant/bin', '/Applications/VirtualBox.app/Contents/MacOS'] }));

  it('lists where each tool is, a PATH folder matched however it is spelt', () => {
    expect(withTools({})).toEqual(
      check('tool-locations', 'ok', 'Found Vagrant in /usr/bin; VirtualBox in /usr/bin; kubectl in /usr/bin; Telepresence in /usr/bin.'),
    );
  });

  it('says which tools come from install folders off PATH, in the singular and the plural', () => {
    const one = withTools({ vagrant: tool('2.4.3', '/opt/vagrant/bin', 'vagrant') });
    expect(one).toEqual(
      check(
        'tool-locations',
        'ok',
        "Found Vagrant in /opt/vagrant/bin (an install folder, not on PATH); VirtualBox in /usr/bin; kubectl in /usr/bin; Telepresence in /usr/bin. Vagrant is not on this app's PATH (an app started from the Dock or Finder does not get the shell's), so Cluster Lab runs it from there.",
        'Nothing to do. Cluster Lab also looks in /opt/vagrant/bin, /Applications/VirtualBox.app/Contents/MacOS.',
      ),
    );
    const two = withTools({
      vagrant: tool('2.4.3', '/opt/vagrant/bin', 'vagrant'),
      VBoxManage: tool('7.1.6', '/Applications/VirtualBox.app/Contents/MacOS', 'VBoxManage'),
    });
    expect(two?.message).toMatch(/\. Vagrant, VirtualBox are not on this app's PATH \(.*\), so Cluster Lab runs them from there\.$/);
  });

  it('says nothing when no tool was found', () => {
    expect(withTools({ vagrant: tool(null), VBoxManage: tool(null), kubectl: tool(null), telepresence: tool(null) })).toBeNull();
  });
});

describe('kubectlSkewCheck', () => {
  const skew = (kubectl: string | null, k3sVersion: string | null) =>
    kubectlSkewCheck(facts({ tools: tools({ kubectl: tool(kubectl) }), sizing: plan({ k3sVersion }) }));

  it('passes one minor version either side of the pinned k3s release and warns beyond', () => {
    expect(skew('1.32.4', 'v1.33.1+k3s1')).toEqual(check('kubectl-skew', 'ok', 'kubectl 1.32 is within one minor version of k3s 1.33.'));
    expect(skew('1.34.0', 'v1.33.1+k3s1')?.status).toBe('ok');
    expect(skew('1.33.0', '1.33.1+k3s1')?.status).toBe('ok');
    expect(skew('1.31.0', 'v1.33.1+k3s1')).toEqual(
      check(
        'kubectl-skew',
        'warn',
        "kubectl 1.31 and k3s 1.33 are more than one minor version apart, outside Kubernetes' supported skew.",
        'Install kubectl 1.33 (or one minor either side), or pin a k3s release near 1.31.',
      ),
    );
    expect(skew('1.35.0', 'v1.33.1+k3s1')?.status).toBe('warn');
    expect(skew('2.33.0', 'v1.33.1+k3s1')?.status).toBe('warn');
  });

  it('says nothing without a kubectl version or a pinned k3s release', () => {
    expect(skew(null, 'v1.33.1+k3s1')).toBeNull();
    expect(skew('1.33.0', null)).toBeNull();
  });
});

describe('kernelChecks (Linux)', () => {
  const linux = (modules: string[] | null, release = '6.8.0-45-generic', over: Partial<ToolReport> = {}) =>
    kernelChecks(facts({ modules, host: { ...facts().host, release }, tools: tools(over) }));

  it('passes a kernel without KVM and with vboxdrv', () => {
    expect(linux(['vboxdrv', 'ext4'])).toEqual([
      check('kvm', 'ok', 'KVM is not loaded, so VirtualBox can use VT-x/AMD-V.'),
      check('vboxdrv', 'ok', 'The VirtualBox kernel module (vboxdrv) is loaded.'),
    ]);
  });

  it('warns about KVM before 6.12, naming each module to unload', () => {
    expect(linux(['kvm_intel', 'kvm', 'vboxdrv'], '6.11.9')[0]).toEqual(
      check(
        'kvm',
        'warn',
        'KVM (kvm_intel) is loaded: while a KVM VM runs (libvirt, GNOME Boxes, an Android emulator), VirtualBox cannot start VMs.',
        'Stop KVM VMs, then unload it: "sudo modprobe -r kvm_intel kvm" (to keep it from loading at boot, blacklist kvm_intel in /etc/modprobe.d).',
      ),
    );
    expect(linux(['kvm_amd', 'kvm_intel', 'vboxdrv'])[0]?.message).toMatch(/^KVM \(kvm_amd, kvm_intel\) is loaded: /);
    expect(linux(['kvm_amd', 'kvm_intel', 'vboxdrv'], '6.12.1')[0]?.message).toMatch(/^KVM \(kvm_amd, kvm_intel\) is loaded, and /);
    expect(linux(['kvm_amd', 'kvm_intel', 'vboxdrv'])[0]?.fix).toBe(
      'Stop KVM VMs, then unload it: "sudo modprobe -r kvm_amd kvm_intel kvm" (to keep it from loading at boot, blacklist kvm_amd and kvm_intel in /etc/modprobe.d).',
    );
  });

  it('fails KVM from 6.12 on, where it holds VT-x at load, unless VirtualBox 7.2.10 or later shares it', () => {
    expect(linux(['kvm_amd', 'vboxdrv'], '6.12.0')[0]).toMatchObject({
      status: 'fail',
      message:
        'KVM (kvm_amd) is loaded, and on this kernel it holds VT-x/AMD-V from the moment it loads: VirtualBox cannot start any VM while it does.',
    });
    expect(linux(['kvm_amd', 'vboxdrv'], '6.12.0', { VBoxManage: tool('7.2.9') })[0]?.status).toBe('fail');
    expect(linux(['kvm_amd', 'vboxdrv'], '6.12.0', { VBoxManage: tool('7.2.10') })[0]?.status).toBe('warn');
    expect(linux(['kvm_amd', 'vboxdrv'], '6.12.0', { VBoxManage: { found: true, path: '/usr/bin/VBoxManage', version: null } })[0]?.status).toBe(
      'fail',
    );
    // Without VirtualBox there is nothing for KVM to block.
    expect(linux(['kvm_amd'], '6.12.0', { VBoxManage: tool(null) })).toEqual([expect.objectContaining({ id: 'kvm', status: 'warn' })]);
  });

  it('fails VirtualBox without vboxdrv, and says when the modules cannot be read', () => {
    expect(linux(['ext4'])[1]).toEqual(
      check(
        'vboxdrv',
        'fail',
        'VirtualBox is installed but its kernel module vboxdrv is not loaded, so no VM can start.',
        'Run "sudo /sbin/vboxconfig" (it builds the module for this kernel; with Secure Boot, sign it or enrol the key), then Re-check.',
      ),
    );
    expect(linux(null)).toEqual([
      check(
        'kernel-modules',
        'warn',
        'Could not read /proc/modules, so KVM and vboxdrv were not checked.',
        'Run "lsmod | grep -E \'kvm|vbox\'" to check by hand.',
      ),
    ]);
  });

  it('checks nothing of the kind elsewhere', () => {
    expect(kernelChecks(facts({ modules: null, host: { ...facts().host, platform: 'darwin' } }))).toEqual([]);
  });
});

describe('platformChecks', () => {
  const on = (platform: NodeJS.Platform, arch: string, over: Parameters<typeof facts>[0] = {}) =>
    platformChecks(facts({ ...over, host: { ...facts().host, platform, arch } }));

  it('on Apple silicon: fails VirtualBox before 7.1, passes 7.1.0, and says what to install when there is none', () => {
    expect(on('darwin', 'arm64', { tools: tools({ VBoxManage: tool('7.0.99') }) })).toEqual([
      check(
        'apple-silicon',
        'fail',
        'VirtualBox 7.0.99 cannot run VMs on Apple silicon: 7.1 is the first release that does.',
        'Install VirtualBox 7.1 or later for "macOS / Apple Silicon hosts" from https://www.virtualbox.org/wiki/Downloads.',
      ),
    ]);
    const ok = check(
      'apple-silicon',
      'ok',
      'This Mac has Apple silicon: VirtualBox runs arm64 guests only, so the box must have an arm64 build (bento/ubuntu-24.04 has one).',
    );
    expect(on('darwin', 'arm64', { tools: tools({ VBoxManage: tool('7.1.0') }) })).toEqual([ok]);
    expect(on('darwin', 'arm64', { tools: tools({ VBoxManage: tool(null) }) })).toEqual([
      { ...ok, fix: 'Install VirtualBox 7.1 or later for "macOS / Apple Silicon hosts".' },
    ]);
  });

  it('on an Intel Mac: checks the kernel extension only when VirtualBox is installed', () => {
    expect(on('darwin', 'x64', { vboxKextLoaded: true })).toEqual([check('macos-kext', 'ok', "VirtualBox's kernel extension is loaded.")]);
    expect(on('darwin', 'x64', { vboxKextLoaded: false })).toEqual([
      check(
        'macos-kext',
        'fail',
        'VirtualBox is installed but its kernel extension is not loaded, so every VM fails ("Kernel driver not installed (rc=-1908)").',
        'Open System Settings → Privacy & Security, allow the system software from "Oracle America, Inc." that was blocked, then restart the Mac and Re-check.',
      ),
    ]);
    expect(on('darwin', 'x64', { vboxKextLoaded: null })).toEqual([
      check(
        'macos-kext',
        'warn',
        "Could not list the loaded kernel extensions, so VirtualBox's was not checked.",
        'Run "kmutil showloaded --list-only | grep -i virtualbox" to check by hand.',
      ),
    ]);
    expect(on('darwin', 'x64', { vboxKextLoaded: false, tools: tools({ VBoxManage: tool(null) }) })).toEqual([]);
  });

  it('on Windows: warns while Hyper-V runs, passes when it does not, and says when it could not tell', () => {
    const off =
      'If the VMs are slow or fail, turn off what runs the hypervisor: Windows Security → Device security → Core isolation → Memory integrity; "Turn Windows features on or off" → Hyper-V, Virtual Machine Platform and Windows Hypervisor Platform; then "bcdedit /set hypervisorlaunchtype off" in an administrator prompt, and restart. WSL 2 and Docker Desktop stop working while it is off.';
    expect(on('win32', 'x64', { hypervisorPresent: true })).toEqual([
      check(
        'hyperv',
        'warn',
        'Hyper-V (or WSL 2, Virtual Machine Platform, or memory integrity) is running, so VirtualBox has to run VMs through it: much slower, and some VMs fail to boot.',
        off,
      ),
    ]);
    expect(on('win32', 'x64', { hypervisorPresent: false })).toEqual([
      check('hyperv', 'ok', 'Hyper-V is not running, so VirtualBox has VT-x/AMD-V to itself.'),
    ]);
    expect(on('win32', 'x64', { hypervisorPresent: null })).toEqual([
      check(
        'hyperv',
        'warn',
        'Could not tell whether Hyper-V is running: PowerShell did not answer "(Get-CimInstance Win32_ComputerSystem).HypervisorPresent".',
        `Run that command in PowerShell: True means VMs run through Hyper-V, slower and sometimes failing to boot. ${off}`,
      ),
    ]);
  });

  it('checks nothing of the kind on Linux, whatever the other platforms’ facts say', () => {
    expect(on('linux', 'arm64', { hypervisorPresent: true, vboxKextLoaded: false, tools: tools({ VBoxManage: tool('7.0.1') }) })).toEqual([]);
    expect(on('linux', 'x64', { hypervisorPresent: false })).toEqual([]);
  });
});

describe('sizeChecks', () => {
  const sized = (nodes: number, memoryMb: number, cpus: number, totalMemoryBytes = 16 * GiB, hostCpus = 8) =>
    sizeChecks(facts({ sizing: plan({ nodes, memoryMb, cpus }), host: { ...facts().host, totalMemoryBytes, cpus: hostCpus } }));

  it('keeps 2 GiB for the host: fails a byte past it, passes the exact fit', () => {
    expect(HOST_MEMORY_RESERVE).toBe(2 * GiB);
    // 3 × 4096 MB = 12 GiB; 14 GiB of memory leaves exactly the reserve.
    expect(sized(3, 4096, 2, 14 * GiB)[0]).toEqual(
      check(
        'memory',
        'warn',
        "The lab takes 3 VMs × 4096 MB = 12.0 GiB, more than three quarters of this computer's 14.0 GiB: the host will be tight while it runs.",
        'Close other programs while the lab runs, or give each VM less memory.',
      ),
    );
    expect(sized(3, 4096, 2, 14 * GiB - 1)[0]).toEqual(
      check(
        'memory',
        'fail',
        "The lab does not fit in memory: 3 VMs × 4096 MB = 12.0 GiB of this computer's 14.0 GiB, leaving less than 2.0 GiB for the host.",
        'Give each VM less memory (2048 MB works for a small lab) or use fewer agents.',
      ),
    );
  });

  it('warns above three quarters of the memory and passes at exactly three quarters', () => {
    expect(sized(1, 12 * 1024, 2, 16 * GiB)[0]).toEqual(
      check('memory', 'ok', "The lab takes 1 VM × 12288 MB = 12.0 GiB of this computer's 16.0 GiB."),
    );
    expect(sized(1, 12 * 1024 + 1, 2, 16 * GiB)[0]?.status).toBe('warn');
  });

  it('fails a VM with more vCPUs than the host, warns when the lab shares them, passes when each has its own', () => {
    expect(sized(1, 1024, 9)[1]).toEqual(
      check(
        'cpus',
        'fail',
        'Each VM has 9 vCPUs but this computer has 8 CPUs: VirtualBox will not give a VM more CPUs than the host has.',
        'Set CPUs per VM to 8 or fewer.',
      ),
    );
    expect(sized(1, 1024, 8)[1]).toEqual(check('cpus', 'ok', 'The lab has 8 vCPUs on 8 CPUs.'));
    expect(sized(4, 1024, 2)[1]).toEqual(check('cpus', 'ok', 'The lab has 8 vCPUs on 8 CPUs.'));
    expect(sized(3, 1024, 3)[1]).toEqual(
      check(
        'cpus',
        'warn',
        'The lab has 9 vCPUs on 8 CPUs: they will share, so provisioning is slower.',
        'Fine for a lab; give each VM fewer CPUs if the host feels slow.',
      ),
    );
  });

  it('says nothing before the lab is sized', () => {
    expect(sizeChecks(facts({ sizing: null }))).toEqual([]);
  });
});

describe('diskCheck', () => {
  const disk = (role: string, device: number, needGiB: number, freeGiB: number): DiskSpace => ({
    role,
    path: `/${role.replace(/ /g, '-')}`,
    device,
    needBytes: needGiB * GiB,
    freeBytes: freeGiB * GiB,
  });

  it('adds up what shares one disk: fails short of it, warns under 5 GiB to spare, passes 5 GiB to spare', () => {
    const lab = (free: number) => diskCheck([disk('the lab folder', 1, 8, free), disk('the Vagrant boxes', 1, 2, free)]);
    expect(lab(9.5)).toEqual(
      check(
        'disk',
        'fail',
        'Not enough disk: the lab folder (/the-lab-folder) and the Vagrant boxes (/the-Vagrant-boxes) need about 10.0 GiB, and that disk has 9.5 GiB free.',
        'Free some space on that disk, or choose a lab folder on another one.',
      ),
    );
    expect(lab(10)?.status).toBe('warn');
    expect(lab(14.9)).toEqual(
      check(
        'disk',
        'warn',
        'Disk is tight: the lab folder (/the-lab-folder) and the Vagrant boxes (/the-Vagrant-boxes) need about 10.0 GiB of the 14.9 GiB free, leaving under 5.0 GiB.',
        'Free some space before the VMs grow.',
      ),
    );
    expect(lab(15)).toEqual(
      check('disk', 'ok', 'The lab folder (/the-lab-folder) and the Vagrant boxes (/the-Vagrant-boxes): about 10.0 GiB needed, 15.0 GiB free.'),
    );
  });

  it('judges each disk on its own and reports the worst, or every disk when all are fine', () => {
    const fine = disk('the lab folder', 1, 8, 100);
    const tight = disk('the Vagrant boxes', 2, 2, 6);
    const full = disk('the VMs', 3, 8, 1);
    expect(diskCheck([fine, tight])?.status).toBe('warn');
    expect(diskCheck([tight, full, fine])?.status).toBe('fail');
    expect(diskCheck([fine, disk('the Vagrant boxes', 2, 2, 100)])).toEqual(
      check(
        'disk',
        'ok',
        'The lab folder (/the-lab-folder): about 8.0 GiB needed, 100.0 GiB free. The Vagrant boxes (/the-Vagrant-boxes): about 2.0 GiB needed, 100.0 GiB free.',
      ),
    );
    expect(diskCheck([])).toBeNull();
  });
});

describe('nicCheck', () => {
  const report = (nic = wifi()) => ({ gateway: null, nics: [nic], neighbours: [], detectedAt: 0, bridges: [], notes: [] });
  const choose = 'Go back to the Network step and pick the NIC you are connected with, then let the Addresses step plan again.';
  const chosen = (over: Parameters<typeof facts>[0], subnet: string | null = '192.168.1.0/24') =>
    nicCheck(facts({ sizing: plan({ nic: 'wlp5s0', subnet }), nics: report(), ...over }));

  it('judges the NIC the lab names, not the first one listed', () => {
    const other = wifi({ name: 'eth0', ipv4: '10.9.9.9', prefixLength: 8 });
    expect(chosen({ nics: { ...report(), nics: [other, wifi()] } })?.status).toBe('ok');
  });

  it('passes the NIC while it holds the planned subnet, and says so without a plan', () => {
    expect(chosen({})).toEqual(check('nic', 'ok', "wlp5s0 is up at 192.168.1.20/24, inside the lab's 192.168.1.0/24."));
    expect(chosen({}, null)).toEqual(check('nic', 'ok', 'wlp5s0 is up at 192.168.1.20/24.'));
  });

  it('fails a NIC that is gone, has no address or moved, each with the way back', () => {
    expect(chosen({ nics: { ...report(), nics: [] } })).toEqual(
      check('nic', 'fail', 'The lab bridges onto wlp5s0, which no longer exists on this computer.', choose),
    );
    const unplugged = check(
      'nic',
      'fail',
      'wlp5s0 has no IPv4 address now: it is not connected to a network.',
      `Connect wlp5s0 (plug in the cable or join the Wi-Fi), then Re-check. ${choose}`,
    );
    expect(chosen({ nics: report(wifi({ ipv4: null })) })).toEqual(unplugged);
    expect(chosen({ nics: report(wifi({ prefixLength: null })) })).toEqual(unplugged);
    expect(chosen({ nics: report(wifi({ ipv4: 'not an address' })) })).toEqual(unplugged);
    expect(chosen({ nics: report(wifi({ ipv4: '10.0.0.7', prefixLength: 8 })) })).toEqual(
      check(
        'nic',
        'fail',
        "wlp5s0 is now 10.0.0.7/8, outside the lab's 192.168.1.0/24: this computer is on another network than when the lab was planned, and the VMs' static addresses would not work.",
        `Reconnect to the network the lab was planned on, or plan the addresses again for this one (Addresses step). ${choose}`,
      ),
    );
  });

  it('warns about a NIC that is up but may not be bridged, and about NICs that could not be listed', () => {
    expect(chosen({ nics: report(wifi({ excluded: 'a VPN tunnel: it does not lead to your LAN router' })) })).toEqual(
      check('nic', 'warn', 'wlp5s0 is up but cannot be bridged: a VPN tunnel: it does not lead to your LAN router.', choose),
    );
    expect(chosen({ nics: null, nicsProblem: 'ip: command not found' })).toEqual(
      check(
        'nic',
        'warn',
        "Could not list this computer's network interfaces: ip: command not found.",
        'Re-check; if it persists, check the NIC by hand before Up.',
      ),
    );
    expect(chosen({ nics: null, nicsProblem: null })?.message).toBe("Could not list this computer's network interfaces: unknown error.");
  });

  it('is not checked before a NIC is chosen', () => {
    expect(nicCheck(facts({ sizing: plan({ nic: null }), nics: report() }))).toBeNull();
    expect(nicCheck(facts({ sizing: null, nics: report() }))).toBeNull();
  });
});

describe('bridgeCheck', () => {
  const withBridge = (bridge: string | null, bridges: { name: string; status: string }[] | null) =>
    bridgeCheck(
      facts({
        sizing: plan({ bridge }),
        nics: bridges && { gateway: null, nics: [], neighbours: [], detectedAt: 0, bridges: bridges as never, notes: [] },
      }),
    );

  it('passes a bridge VirtualBox lists as up, fails one it does not, and waits for both to be known', () => {
    expect(withBridge('en0: Wi-Fi', [{ name: 'en0: Wi-Fi', status: 'Up' }])).toEqual(
      check('bridge', 'ok', 'VirtualBox offers the bridge "en0: Wi-Fi" and reports it up: Vagrant will use it without asking.'),
    );
    expect(withBridge('en0: Wi-Fi', [{ name: 'en0: Wi-Fi', status: 'Down' }])?.status).toBe('fail');
    expect(withBridge(null, [{ name: 'en0: Wi-Fi', status: 'Up' }])).toBeNull();
    expect(withBridge('en0: Wi-Fi', null)).toBeNull();
  });
});
