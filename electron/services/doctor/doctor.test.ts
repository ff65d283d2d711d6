import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../../shared/doctor';
import { defaultLabConfig } from '../../../shared/lab/schema';
import type { Nic } from '../../../shared/nics';
import { createContext } from '../context';
import { doctorChecks, sizingFrom, runDoctor, type DoctorFacts } from '.';
import { machineArch } from '../hostArch';
import { gatherFacts, kextLoaded } from './facts';
import { tempDirs } from '../../../fixtures/tmp';
import { facts, GiB, goodTools, plan, tool, wifi } from '../../../fixtures/doctorFacts';

const tempDir = tempDirs('doctor');

const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id);
const statusOf = (f: DoctorFacts, id: string) => byId(doctorChecks(f), id)?.status;

describe('doctor: tools', () => {
  it('passes a machine with every tool at a supported version, each check with a message', () => {
    const checks = doctorChecks(facts());
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    for (const c of checks) expect(c.message.length).toBeGreaterThan(10);
  });

  it('fails missing or too old required tools, with the minimum and a fix', () => {
    const tools = goodTools();
    tools.vagrant = tool('2.2.19');
    tools.VBoxManage = tool('6.1.50');
    tools.kubectl = tool(null);
    const checks = doctorChecks(facts({ tools }));
    expect(byId(checks, 'tool-vagrant')).toMatchObject({ status: 'fail', message: expect.stringMatching(/2\.2\.19 is too old.*2\.3\.4/) });
    expect(byId(checks, 'tool-vboxmanage')).toMatchObject({ status: 'fail', message: expect.stringMatching(/6\.1\.50.*7\.0\.0/) });
    expect(byId(checks, 'tool-kubectl')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/kubernetes\.io/) });
  });

  it('only warns about Telepresence: missing, or too old to read the setting', () => {
    const tools = goodTools();
    tools.telepresence = tool(null);
    expect(statusOf(facts({ tools }), 'tool-telepresence')).toBe('warn');
    tools.telepresence = tool('2.20.3');
    expect(byId(doctorChecks(facts({ tools })), 'tool-telepresence')?.message).toMatch(/does not read routing\.recursionBlockDuration.*2\.21/);
    // 2.27 replaced the client setting with the cluster-side route controller (telepresenceio/telepresence#4062).
    tools.telepresence = tool('2.27.0');
    expect(byId(doctorChecks(facts({ tools })), 'tool-telepresence')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('It ignores routing.recursionBlockDuration: from 2.27 on, the route controller'),
    });
  });

  it('warns about a VirtualBox line Oracle no longer supports', () => {
    const tools = goodTools();
    tools.VBoxManage = tool('7.0.20');
    expect(byId(doctorChecks(facts({ tools })), 'tool-vboxmanage')).toMatchObject({ status: 'warn', fix: expect.stringMatching(/7\.1/) });
  });

  it('warns when a tool is found but does not say its version', () => {
    const tools = goodTools();
    tools.VBoxManage = { found: true, path: '/usr/bin/VBoxManage', version: null, error: 'version output not understood (exit 1)' };
    expect(byId(doctorChecks(facts({ tools })), 'tool-vboxmanage')).toMatchObject({ status: 'warn', message: expect.stringMatching(/exit 1/) });
  });

  it('fails a VirtualBox newer than the installed Vagrant drives', () => {
    const tools = goodTools();
    tools.VBoxManage = tool('7.1.4');
    tools.vagrant = tool('2.4.1');
    expect(byId(doctorChecks(facts({ tools })), 'vagrant-virtualbox')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/2\.4\.2/) });
    tools.vagrant = tool('2.4.3');
    expect(statusOf(facts({ tools }), 'vagrant-virtualbox')).toBe('ok');
    tools.VBoxManage = tool('8.0.0');
    expect(statusOf(facts({ tools }), 'vagrant-virtualbox')).toBe('warn');
  });

  it('warns when kubectl is outside the skew of a pinned k3s release', () => {
    expect(statusOf(facts({ sizing: plan({ k3sVersion: 'v1.33.5+k3s1' }) }), 'kubectl-skew')).toBe('ok');
    expect(statusOf(facts({ sizing: plan({ k3sVersion: 'v1.30.1+k3s1' }) }), 'kubectl-skew')).toBe('warn');
  });

  it('says where each tool was found, and that install folders off PATH are used', () => {
    const tools = goodTools();
    tools.VBoxManage = tool('7.1.4', '/Applications/VirtualBox.app/Contents/MacOS', 'VBoxManage');
    tools.vagrant = tool('2.4.3', '/opt/homebrew/bin', 'vagrant');
    const c = byId(doctorChecks(facts({ tools, pathDirs: ['/usr/bin', '/bin'] })), 'tool-locations')!;
    expect(c.status).toBe('ok');
    expect(c.message).toMatch(/Vagrant in \/opt\/homebrew\/bin \(an install folder, not on PATH\)/);
    expect(c.message).toMatch(/VirtualBox in \/Applications\/VirtualBox\.app\/Contents\/MacOS/);
    expect(c.message).toMatch(/Dock or Finder/);
  });
});

describe('doctor: virtualisation', () => {
  it('on Linux: KVM loaded fails on kernels that take VT-x at load (for VirtualBox before 7.2.10), warns otherwise', () => {
    const modules = ['kvm_intel', 'kvm', 'vboxdrv'];
    const newer = facts({ modules, host: { ...facts().host, release: '6.12.9-arch1' } });
    expect(byId(doctorChecks(newer), 'kvm')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/modprobe -r kvm_intel kvm/) });
    expect(statusOf(facts({ modules }), 'kvm')).toBe('warn');
    const tools = goodTools();
    tools.VBoxManage = tool('7.2.10');
    tools.vagrant = tool('2.4.9');
    expect(statusOf({ ...newer, tools }, 'kvm')).toBe('warn');
    expect(statusOf(facts(), 'kvm')).toBe('ok');
  });

  it('on Linux: fails when VirtualBox is installed without vboxdrv, and says when modules cannot be read', () => {
    expect(byId(doctorChecks(facts({ modules: ['ext4'] })), 'vboxdrv')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/vboxconfig/) });
    const tools = goodTools();
    tools.VBoxManage = tool(null);
    expect(byId(doctorChecks(facts({ modules: ['ext4'], tools })), 'vboxdrv')).toBeUndefined();
    expect(statusOf(facts({ modules: null }), 'kernel-modules')).toBe('warn');
  });

  it('on Apple silicon: VirtualBox before 7.1 cannot run VMs', () => {
    const mac = { ...facts().host, platform: 'darwin', arch: 'arm64' };
    const tools = goodTools();
    tools.vagrant = tool('2.4.3');
    tools.VBoxManage = tool('7.0.14');
    expect(statusOf(facts({ host: mac, tools, modules: null }), 'apple-silicon')).toBe('fail');
    tools.VBoxManage = tool('7.1.6');
    expect(byId(doctorChecks(facts({ host: mac, tools, modules: null })), 'apple-silicon')).toMatchObject({ status: 'ok', message: /arm64/ });
    expect(byId(doctorChecks(facts({ host: mac, tools, modules: null })), 'kernel-modules')).toBeUndefined();
  });

  it('on Windows: warns when Hyper-V is running', () => {
    const win = { ...facts().host, platform: 'win32' };
    expect(byId(doctorChecks(facts({ host: win, hypervisorPresent: true, modules: null })), 'hyperv')).toMatchObject({
      status: 'warn',
      fix: expect.stringMatching(/hypervisorlaunchtype off/),
    });
    expect(statusOf(facts({ host: win, hypervisorPresent: false, modules: null }), 'hyperv')).toBe('ok');
  });

  it('on Windows: says so when the Hyper-V probe could not run, naming memory integrity and Virtual Machine Platform in the fix', () => {
    const win = { ...facts().host, platform: 'win32' };
    expect(byId(doctorChecks(facts({ host: win, hypervisorPresent: null, modules: null })), 'hyperv')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/Could not tell whether Hyper-V is running/),
      fix: expect.stringMatching(/Core isolation → Memory integrity.*Virtual Machine Platform/),
    });
  });

  it('on an Intel Mac: fails while VirtualBox’s kernel extension waits to be allowed, and says where', () => {
    const intelMac = { ...facts().host, platform: 'darwin', arch: 'x64' };
    expect(byId(doctorChecks(facts({ host: intelMac, vboxKextLoaded: false, modules: null })), 'macos-kext')).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/Privacy & Security.*Oracle America/),
    });
    expect(statusOf(facts({ host: intelMac, vboxKextLoaded: true, modules: null }), 'macos-kext')).toBe('ok');
    expect(statusOf(facts({ host: intelMac, vboxKextLoaded: null, modules: null }), 'macos-kext')).toBe('warn');
    // Apple silicon has no VirtualBox kext to allow.
    expect(byId(doctorChecks(facts({ host: { ...intelMac, arch: 'arm64' }, vboxKextLoaded: false, modules: null })), 'macos-kext')).toBeUndefined();
  });
});

describe('doctor: does the lab fit', () => {
  it('fails a lab whose VMs leave the host no memory, warns when it is tight', () => {
    const small = { ...facts().host, totalMemoryBytes: 8 * GiB };
    expect(byId(doctorChecks(facts({ host: small, sizing: plan() })), 'memory')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/3 VMs × 4096 MB = 12\.0 GiB/),
    });
    expect(statusOf(facts({ host: { ...small, totalMemoryBytes: 15 * GiB }, sizing: plan() }), 'memory')).toBe('warn');
    expect(statusOf(facts({ sizing: plan() }), 'memory')).toBe('ok');
  });

  it('fails a VM with more vCPUs than the host has, warns when the lab oversubscribes', () => {
    const quad = { ...facts().host, cpus: 4 };
    expect(statusOf(facts({ host: quad, sizing: plan({ cpus: 6 }) }), 'cpus')).toBe('fail');
    expect(statusOf(facts({ host: quad, sizing: plan() }), 'cpus')).toBe('warn');
    expect(statusOf(facts({ sizing: plan() }), 'cpus')).toBe('ok');
  });

  it('adds up what shares one disk, and fails when it does not fit', () => {
    const disks = [
      { role: 'the Vagrant box', path: '/home/u/.vagrant.d', freeBytes: 10 * GiB, device: 1, needBytes: 2 * GiB },
      { role: "the VMs' disks", path: '/home/u/VirtualBox VMs', freeBytes: 10 * GiB, device: 1, needBytes: 12 * GiB },
      { role: 'the lab folder', path: '/data/lab', freeBytes: 500 * GiB, device: 2, needBytes: GiB / 4 },
    ];
    expect(byId(doctorChecks(facts({ sizing: plan(), disks })), 'disk')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/need about 14\.0 GiB, and that disk has 10\.0 GiB free/),
    });
    expect(statusOf(facts({ sizing: plan(), disks: disks.map((d) => ({ ...d, freeBytes: 16 * GiB })) }), 'disk')).toBe('warn');
    expect(statusOf(facts({ sizing: plan(), disks: disks.map((d) => ({ ...d, freeBytes: 100 * GiB })) }), 'disk')).toBe('ok');
  });

  it('needs 2 GiB for the box, 4 GiB a node (6 as a full clone) for the VMs, and 256 MiB in the lab folder', async () => {
    const home = await tempDir('cl-doc-disks-');
    const ctx = createContext({ env: { PATH: '', VAGRANT_HOME: path.join(home, 'vd') }, platform: 'linux', homeDir: home });
    const needs = async (linkedClone: boolean, dir?: string) => {
      const config = { ...defaultLabConfig(), vm: { ...defaultLabConfig().vm, linkedClone } };
      const { facts: gathered } = await gatherFacts(ctx, { config, ...(dir ? { dir } : {}) });
      return gathered.disks.map((d) => [d.path, d.needBytes]);
    };
    expect(await needs(true, path.join(home, 'lab'))).toEqual([
      [path.join(home, 'vd'), 2 * GiB],
      [path.join(home, 'VirtualBox VMs'), 3 * 4 * GiB],
      [path.join(home, 'lab'), 256 * 2 ** 20],
    ]);
    expect((await needs(false))[1]).toEqual([path.join(home, 'VirtualBox VMs'), 3 * 6 * GiB]);
  });

  it('reads the plan from half-filled wizard settings', () => {
    expect(sizingFrom(defaultLabConfig())).toMatchObject({ nodes: 3, memoryMb: 4096, cpus: 2, nic: null, subnet: null, k3sVersion: null });
    expect(sizingFrom({ vm: { memoryMb: 'lots' } })).toBeNull();
    expect(sizingFrom(null)).toBeNull();
  });
});

describe('doctor: the chosen NIC', () => {
  const lab = plan({ nic: 'wlp5s0', subnet: '192.168.1.0/24' });
  const nics = (nic: Nic | null) => ({ gateway: null, nics: nic ? [nic] : [], neighbours: [], detectedAt: 0, bridges: [], notes: [] });

  it('passes while the NIC holds the planned subnet', () => {
    expect(statusOf(facts({ sizing: lab, nics: nics(wifi()) }), 'nic')).toBe('ok');
  });
  it('fails when the NIC is gone, has no address, or moved to another network', () => {
    expect(byId(doctorChecks(facts({ sizing: lab, nics: nics(null) })), 'nic')?.message).toMatch(/no longer exists/);
    expect(byId(doctorChecks(facts({ sizing: lab, nics: nics(wifi({ ipv4: null, prefixLength: null })) })), 'nic')?.message).toMatch(/no IPv4/);
    const moved = byId(doctorChecks(facts({ sizing: lab, nics: nics(wifi({ ipv4: '10.0.0.7', prefixLength: 24 })) })), 'nic')!;
    expect(moved).toMatchObject({ status: 'fail', message: expect.stringMatching(/10\.0\.0\.7\/24, outside the lab's 192\.168\.1\.0\/24/) });
  });
  it('is not checked before a NIC is chosen', () => {
    expect(byId(doctorChecks(facts({ sizing: plan() })), 'nic')).toBeUndefined();
  });

  it("fails the lab's bridge when VirtualBox lists it Down or Unknown, or not at all, as Vagrant would judge it", () => {
    const bridged = plan({ nic: 'wlp5s0', bridge: 'wlp5s0', subnet: '192.168.1.0/24' });
    const entry = (status: string) => ({ name: 'wlp5s0', ipv4: '192.168.1.23', prefixLength: 24, mac: null, wireless: true, status });
    const withBridges = (bridges: ReturnType<typeof entry>[] | null) => facts({ sizing: bridged, nics: { ...nics(wifi()), bridges } });
    expect(byId(doctorChecks(withBridges([entry('Up')])), 'bridge')?.status).toBe('ok');
    for (const status of ['Down', 'Unknown'])
      expect(byId(doctorChecks(withBridges([entry(status)])), 'bridge')).toMatchObject({
        status: 'fail',
        message: expect.stringContaining(`as ${status}, and Vagrant skips such interfaces`),
      });
    expect(byId(doctorChecks(withBridges([])), 'bridge')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('offers no bridge called "wlp5s0"'),
    });
    // Without VirtualBox's list there is nothing to judge: the tool check says VirtualBox is missing.
    expect(byId(doctorChecks(withBridges(null)), 'bridge')).toBeUndefined();
  });
});

describe('runDoctor with fake tools on PATH', () => {
  async function fakeBin(scripts: Record<string, string>) {
    const dir = await tempDir('cl-doc-');
    for (const [name, body] of Object.entries(scripts)) {
      await writeFile(path.join(dir, name), `#!/bin/sh\n${body}\n`);
      await chmod(path.join(dir, name), 0o755);
    }
    return dir;
  }
  const kubectl = (v: string) => `echo '{"clientVersion":{"gitVersion":"v${v}"}}'`;

  it('reads real version output: too old fails, missing fails, present passes', async () => {
    const old = await fakeBin({ vagrant: 'echo "Vagrant 2.2.19"', VBoxManage: 'echo 6.1.50r161033', kubectl: kubectl('1.25.0') });
    const good = await fakeBin({ vagrant: 'echo "Vagrant 2.4.3"', VBoxManage: 'echo 7.1.6r167084', kubectl: kubectl('1.33.1') });
    const home = await tempDir('cl-doc-home-');
    const run = (PATH: string) => runDoctor(createContext({ env: { PATH }, platform: 'linux', homeDir: home }), { config: defaultLabConfig() });
    const [tooOld, missing, present] = await Promise.all([run(old), run(''), run(good)]);
    for (const id of ['tool-vagrant', 'tool-vboxmanage', 'tool-kubectl']) {
      expect(byId(tooOld.checks, id)).toMatchObject({ status: 'fail', message: expect.stringMatching(/too old/) });
      expect(byId(missing.checks, id)).toMatchObject({ status: 'fail', message: expect.stringMatching(/not installed/) });
      expect(byId(present.checks, id)?.status).toBe('ok');
    }
    expect(byId(present.checks, 'tool-telepresence')?.status).toBe('warn');
    expect(present.tools.vagrant).toMatchObject({ found: true, version: '2.4.3', path: path.join(good, 'vagrant') });
    // The real host and disk: this machine's figures, whatever they are.
    expect(present.host.cpus).toBeGreaterThan(0);
    expect(byId(present.checks, 'memory')).toBeDefined();
    expect(byId(present.checks, 'disk')?.message).toMatch(/GiB free/);
  });

  it('reports a --dir that is not a lab folder as a failed check, not a crash', async () => {
    const dir = await tempDir('cl-doc-nolab-');
    await mkdir(path.join(dir, 'x'));
    const report = await runDoctor(createContext({ env: { PATH: '' }, platform: 'linux', homeDir: dir }), { dir });
    expect(byId(report.checks, 'lab')).toMatchObject({ status: 'fail', message: expect.stringMatching(/lab\.json/) });
  });
});

describe('doctor facts read on a Mac', () => {
  it('takes the Mac’s own architecture under Rosetta (sysctl.proc_translated = 1)', () => {
    expect(machineArch('darwin', 'x64', '1\n')).toBe('arm64');
    expect(machineArch('darwin', 'x64', '0\n')).toBe('x64');
    // An Intel Mac has no such sysctl: sysctl exits 1 ("unknown oid").
    expect(machineArch('darwin', 'x64', null)).toBe('x64');
    expect(machineArch('linux', 'x64', '1')).toBe('x64');
  });

  it('finds VirtualBox’s driver in kmutil’s (or kextstat’s) list of loaded extensions', () => {
    // `kmutil showloaded --list-only` on macOS 13 (Intel), the columns kextstat also prints.
    const listing = [
      'No variant specified, falling back to release',
      'Index Refs Address            Size       Wired      Name (Version) UUID <Linked Against>',
      '    1  166 0                  0          0          com.apple.kpi.bsd (22.6.0) 4C3D4A1D-7E5E-3AC8-9BB1-4F4E0B6C3E65 <>',
      '  178    3 0xffffff7f9a6cd000 0xb3000    0xb3000    org.virtualbox.kext.VBoxDrv (7.0.14) 1A8F2C6E-5B47-3B4A-8F3D-1E2C3B4A5D6E <8 6 5 3 1>',
    ].join('\n');
    expect(kextLoaded(listing)).toBe(true);
    expect(kextLoaded(listing.replace('org.virtualbox.kext.VBoxDrv', 'org.virtualbox.kext.VBoxUSB'))).toBe(false);
    expect(kextLoaded(null)).toBeNull();
  });
});
