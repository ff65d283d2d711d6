/**
 * The rendered provision scripts, run as Vagrant runs them in a guest that behaves like Ubuntu under
 * VirtualBox (fixtures/guest: real systemd-networkd, real netplan, real DHCP on the NAT link),
 * and the lab's promise checked after everything a real guest goes through: the only default route
 * goes via the LAN router on the bridged NIC, the links' DNS are the lab's, and the NAT adapter keeps
 * the address Vagrant's SSH needs. Needs root for the network namespaces; skipped otherwise.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Guest, guestHarnessMissing, NAT_DNS, NAT_GATEWAY, NAT_IP, type VagrantBranch } from '../../fixtures/guest/guest';
import { provisioningOf, type MachineProvisioning } from '../../fixtures/guest/provisioners';
import { placeRelease, recorderInstallScript, sha256Hex, standInRelease } from '../../fixtures/k3sRelease';
import { prefixFromNetmask } from '../lab/net';
import { pinnedK3sVersion, type LabConfig } from '../lab/schema';
import { seedLab } from './testing';
import { renderVagrantfile } from './vagrantfile';

/** What the real install.sh leaves on a server for the provisioner to hand on: a token and k3s.yaml. */
const serverLeavings = `case "$INSTALL_K3S_EXEC" in
  server*)
    mkdir -p /var/lib/rancher/k3s/server /etc/rancher/k3s
    echo "K10fake::server:fake" > /var/lib/rancher/k3s/server/token
    printf 'apiVersion: v1\\nclusters:\\n- cluster:\\n    server: https://127.0.0.1:6443\\n  name: default\\n' > /etc/rancher/k3s/k3s.yaml ;;
esac
`;

const missing = await guestHarnessMissing();
if (missing) console.log(`guest harness tests skipped: ${missing}`);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-guest-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The seed lab on a /24, and an office LAN that is a /16 with the nodes far from the router. */
const lans: { name: string; lab: LabConfig }[] = [
  { name: 'a /24 home LAN', lab: { ...seedLab(), network: { ...seedLab().network, dns: ['8.8.8.8', '1.1.1.1'] } } },
  {
    name: 'a /16 office LAN',
    lab: {
      ...seedLab(),
      network: { nic: 'eno1', bridge: 'eno1', subnet: '10.20.0.0/16', hostIp: '', gateway: '10.20.0.1', dns: ['10.20.0.53'] },
      server: { name: 'k3s.lab.example', ip: '10.20.5.110' },
      agents: [{ name: 'agent1', ip: '10.20.5.111' }],
    },
  },
];

/** A guest for one machine, its bridged address and netmask as the rendered Vagrantfile gives them to Vagrant. */
async function guestFor(lab: LabConfig, provisioning: MachineProvisioning, synced?: string, branch?: VagrantBranch): Promise<Guest> {
  const network = provisioning.network as { ip: string; netmask: string };
  const prefixLength = prefixFromNetmask(network.netmask);
  expect(prefixLength).not.toBeNull();
  return Guest.create({ ip: network.ip, prefixLength: prefixLength!, gateway: lab.network.gateway, synced, branch });
}

async function expectLabNetwork(guest: Guest, lab: LabConfig, when: string): Promise<void> {
  const { ip, prefixLength } = guest.options;
  expect(await guest.defaultRoutes(), `default routes ${when}`).toEqual([{ via: lab.network.gateway, dev: 'enp0s8' }]);
  expect(await guest.linkDns(), `link DNS ${when}`).toEqual({ eth0: [], enp0s8: lab.network.dns });
  expect(await guest.addresses('enp0s8'), `bridged address ${when}`).toEqual([`${ip}/${prefixLength}`]);
  // Vagrant's SSH comes in through the NAT adapter: it keeps its lease.
  expect(await guest.addresses('eth0'), `NAT address ${when}`).toEqual([`${NAT_IP}/24 dynamic`]);
}

// Every test builds its own guests (their own namespaces) and spends most of its time waiting on DHCP
// and networkd: they run side by side.
describe.skipIf(missing !== null)('provisioning in a guest like Ubuntu under VirtualBox', () => {
  it.concurrent('shows the loop the lab exists to prevent: a guest left as Vagrant configures it routes and resolves through NAT', async () => {
    const guest = await Guest.create({ ip: '192.168.1.110', prefixLength: 24, gateway: '192.168.1.1' });
    try {
      for (const when of ['after boot', 'after a networkd restart']) {
        if (when !== 'after boot') await guest.restartNetworkd();
        expect(await guest.defaultRoutes(), when).toEqual([{ via: NAT_GATEWAY, dev: 'eth0' }]);
        expect((await guest.linkDns()).eth0, when).toEqual([NAT_DNS]);
      }
    } finally {
      await guest.destroy();
    }
  });

  // Vagrant takes its systemd-networkd branch where its unprivileged `command -v netplan` fails
  // (Debian's login PATH has no /usr/sbin): the address is then in networkd's own file, which a netplan
  // entry for the same NIC would shadow. The network script is the same for every machine, so the
  // server stands for them on that branch.
  const runs = lans.flatMap(({ name, lab }) => [
    ...['server', 'agent1'].map((machine) => ({ name, lab, machine, branch: 'netplan' as const })),
    { name, lab, machine: 'server', branch: 'networkd' as const },
  ]);
  it.concurrent.each(runs)(
    "the network provisioner keeps $machine on $name on the lab route and DNS after up, networkd restarts, a later up, netplan apply, link flaps, a new lease and a reboot (Vagrant's $branch branch)",
    async ({ lab, machine, branch }) => {
      const provisioning = (await provisioningOf(renderVagrantfile(lab), work)).get(machine)!;
      expect(provisioning.always).toEqual(['network']);
      const guest = await guestFor(lab, provisioning, undefined, branch);
      try {
        const first = await guest.provision(provisioning.scripts.network!);
        expect(first.exitCode, first.stderr).toBe(0);
        expect(first.stdout).toContain(`Default route via ${lab.network.gateway} on enp0s8 only`);
        await expectLabNetwork(guest, lab, 'after the first up');
        expect(await guest.readFile('/etc/netplan/60-cluster-lab.yaml')).toContain('# nat-interfaces: eth0');

        await guest.restartNetworkd();
        await expectLabNetwork(guest, lab, 'after systemctl restart systemd-networkd');

        await guest.vagrantConfiguresNetworks();
        await expectLabNetwork(guest, lab, "after Vagrant's own netplan apply on a later up");
        const again = await guest.provision(provisioning.scripts.network!);
        expect(again.exitCode, again.stderr).toBe(0);
        await expectLabNetwork(guest, lab, 'after the run-always provisioner on a later up');

        await guest.netplanApply();
        await expectLabNetwork(guest, lab, 'after netplan apply');

        await guest.flapBridgedLink();
        await expectLabNetwork(guest, lab, 'after the bridged link went down and up');

        await guest.renewNatLease();
        await expectLabNetwork(guest, lab, 'after a new DHCP lease on the NAT adapter');

        await guest.reboot();
        await expectLabNetwork(guest, lab, 'after a reboot');
      } finally {
        await guest.destroy();
      }
    },
    // Some 90 s on 2 busy cores: eight events, each waiting for networkd to settle.
    180_000,
  );

  it.concurrent(
    'the k3s provisioners name each node as the lab does, on the bridged NIC, and hand the token from the server to the agent',
    async () => {
      const lab = lans[1]!.lab;
      const labDir = await mkdtemp(path.join(work, 'lab-'));
      const synced = path.join(labDir, 'shared');
      // What Up places before the first VM boots; the recorder install.sh leaves what k3s would. The
      // Vagrantfile reads the hashes Up placed the files with when Vagrant loads it, in the lab folder.
      const release = standInRelease({
        version: pinnedK3sVersion(lab.k3s)!,
        installScript: recorderInstallScript('/run/guest/k3s-install.env', serverLeavings),
      });
      await placeRelease(labDir, release);
      const machines = await provisioningOf(renderVagrantfile(lab), labDir);
      const server = await guestFor(lab, machines.get('server')!, synced);
      const agent = await guestFor(lab, machines.get('agent1')!, synced);
      try {
        for (const [guest, machine] of [
          [server, 'server'],
          [agent, 'agent1'],
        ] as const) {
          for (const name of ['network', 'k3s']) {
            const result = await guest.provision(machines.get(machine)!.scripts[name]!);
            expect(result.exitCode, `${machine} ${name}: ${result.stderr}`).toBe(0);
          }
        }
        const serverEnv = await server.readFile('/run/guest/k3s-install.env');
        expect(serverEnv).toContain(
          'INSTALL_K3S_EXEC=server --node-ip=10.20.5.110 --node-external-ip=10.20.5.110 --bind-address=10.20.5.110 --advertise-address=10.20.5.110 --flannel-iface=enp0s8 --node-name=k3s.lab.example --tls-san=k3s.lab.example',
        );
        const agentEnv = await agent.readFile('/run/guest/k3s-install.env');
        expect(agentEnv).toContain(
          'INSTALL_K3S_EXEC=agent --node-ip=10.20.5.111 --node-external-ip=10.20.5.111 --flannel-iface=enp0s8 --node-name=agent1',
        );
        expect(agentEnv).toContain('K3S_URL=https://10.20.5.110:6443');
        for (const env of [serverEnv, agentEnv]) {
          expect(env).toContain(`INSTALL_K3S_VERSION=${release.version}\n`);
          expect(env).toContain('INSTALL_K3S_SKIP_DOWNLOAD=true\n');
        }
        for (const guest of [server, agent]) {
          expect(await guest.exec(['stat', '-c', '%a', '/usr/local/bin/k3s'])).toMatchObject({ stdout: '755\n' });
          expect(await guest.exec(['sha256sum', '/usr/local/bin/k3s'])).toMatchObject({
            stdout: `${sha256Hex(release.files.get('k3s')!)}  /usr/local/bin/k3s\n`,
          });
          expect(
            await guest.exec(
              ['cmp', '-', '/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst'],
              release.files.get('k3s-airgap-images-amd64.tar.zst')!.toString(),
            ),
          ).toMatchObject({ exitCode: 0 });
        }
        expect(await agent.readFile('/etc/rancher/k3s/cluster-token')).toBe('K10fake::server:fake\n');
        expect(await readFile(path.join(synced, 'k3s.yaml'), 'utf8')).toContain('server: https://10.20.5.110:6443');
        // Nothing asked the network: no curl or wget ran, no name was resolved, by any tool.
        for (const guest of [server, agent]) {
          expect(await guest.downloads()).toEqual([]);
          expect(await guest.dnsQueries()).toEqual([]);
        }
      } finally {
        await Promise.all([server.destroy(), agent.destroy()]);
      }
    },
    90_000,
  );

  it.concurrent(
    'the k3s provisioner refuses a binary, image archive or install.sh another guest swapped in shared/, its checksum line too: nothing installed, install.sh not run, a message naming the file',
    async () => {
      const lab = lans[0]!.lab;
      const labDir = await mkdtemp(path.join(work, 'lab-'));
      const synced = path.join(labDir, 'shared');
      const release = standInRelease({
        version: pinnedK3sVersion(lab.k3s)!,
        installScript: recorderInstallScript('/run/guest/k3s-install.env', serverLeavings),
      });
      const dir = await placeRelease(labDir, release);
      const provisioning = (await provisioningOf(renderVagrantfile(lab), labDir)).get('server')!;
      const guest = await guestFor(lab, provisioning, synced);
      const absent = async (file: string) => expect((await guest.exec(['test', '-e', file])).exitCode, `${file} exists`).toBe(1);
      try {
        expect((await guest.provision(provisioning.scripts.network!)).exitCode).toBe(0);
        for (const file of ['k3s', 'k3s-airgap-images-amd64.tar.zst', 'install.sh']) {
          // A sibling guest with root writes the share: the file, and its line in the release's list to match.
          const tampered = Buffer.from(`#!/bin/sh\ntouch /run/guest/k3s-install.env # tampered ${file}\n`);
          const sums = release.files
            .get('sha256sum-amd64.txt')!
            .toString()
            .replace(sha256Hex(release.files.get(file)!), sha256Hex(tampered));
          for (const [name, data] of release.files)
            await writeFile(path.join(dir, name), name === file ? tampered : name === 'sha256sum-amd64.txt' ? sums : data);
          const refused = await guest.provision(provisioning.scripts.k3s!);
          expect(refused.exitCode, refused.stdout).not.toBe(0);
          expect(refused.stderr).toContain(
            `/k3s/${release.version}/${file} is not the file Cluster Lab placed there (expected ${sha256Hex(release.files.get(file)!)}, got ${sha256Hex(tampered)}); nothing was installed.`,
          );
          // install.sh (which the tampered one would have run too) is checked last, after the binary and images.
          await absent('/run/guest/k3s-install.env');
          if (file !== 'install.sh') await absent('/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst');
          if (file === 'k3s') await absent('/usr/local/bin/k3s');
        }
        expect(await guest.downloads()).toEqual([]);
        expect(await guest.dnsQueries()).toEqual([]);

        // The two guards record what a script that did download would have done.
        await guest.exec([
          'sh',
          '-c',
          'curl -sfL https://get.k3s.io -o /tmp/install.sh; wget -q https://github.com/k3s-io/k3s/releases; getent hosts update.k3s.io',
        ]);
        expect(await guest.downloads()).toEqual([
          'curl -sfL https://get.k3s.io -o /tmp/install.sh',
          'wget -q https://github.com/k3s-io/k3s/releases',
        ]);
        expect(await guest.dnsQueries()).toContain('update.k3s.io');
      } finally {
        await guest.destroy();
      }
    },
    90_000,
  );
});
