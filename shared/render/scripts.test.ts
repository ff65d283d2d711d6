/**
 * The provision scripts, taken from the rendered Vagrantfile (loaded by the real Ruby in a
 * recording stand-in for Vagrant): where they stop before touching the guest, run by the real shell
 * against a stand-in `ip`, and what the k3s scripts hand the installer. guest.test.ts runs them
 * for real in a guest with systemd-networkd and netplan.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningOf } from '../../fixtures/guest/provisioners';
import { runTool } from '../../electron/services/process';
import { seedLab } from './testing';
import { renderVagrantfile } from './vagrantfile';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-scripts-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `ip -o -4 addr show` on a bento Ubuntu guest: NAT on eth0, the bridged address on eth1 here. */
const ipAddrOutput = (bridged: string, iface: string) =>
  [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '2: eth0    inet 10.0.2.15/24 metric 100 brd 10.0.2.255 scope global dynamic eth0\\       valid_lft 86391sec preferred_lft 86391sec',
    `3: ${iface}    inet ${bridged}/24 brd 192.168.1.255 scope global ${iface}\\       valid_lft forever preferred_lft forever`,
  ].join('\n');

/**
 * Stand-ins for iproute2's `ip` (logs every call, answers the address listing and the default
 * routes) and networkctl's `status` (the .network file networkd configures a link from).
 */
async function fakeIp(dir: string, addrOutput: string, defaultRoutes = ''): Promise<void> {
  const script = `#!/bin/sh
echo "ip $*" >> "${dir}/ip.log"
case "$*" in
  "-o -4 addr show") cat "${dir}/addr.txt" ;;
  "-4 route show default") cat "${dir}/routes.txt" ;;
  *) echo "unexpected: ip $*" >&2; exit 1 ;;
esac
`;
  await writeFile(path.join(dir, 'addr.txt'), `${addrOutput}\n`);
  await writeFile(path.join(dir, 'routes.txt'), defaultRoutes);
  await writeFile(path.join(dir, 'ip'), script);
  await writeFile(
    path.join(dir, 'networkctl'),
    '#!/bin/sh\n[ "$1" = status ] && echo "       Network File: /run/systemd/network/10-netplan-$2.network"\n',
  );
  for (const tool of ['ip', 'networkctl']) await chmod(path.join(dir, tool), 0o755);
}

async function scriptsOf(vagrantfile: string): Promise<Map<string, Record<string, string>>> {
  const machines = await provisioningOf(vagrantfile, work);
  return new Map([...machines].map(([machine, provisioning]) => [machine, provisioning.scripts]));
}

async function runNetworkScript(script: string, iface: string, bridged: string, defaultRoutes?: string) {
  const dir = await mkdtemp(path.join(work, 'guest-'));
  await fakeIp(dir, ipAddrOutput(bridged, iface), defaultRoutes);
  await writeFile(path.join(dir, 'resolv.conf'), 'nameserver 10.0.2.3\n');
  const local = script.replaceAll('/etc/resolv.conf', path.join(dir, 'resolv.conf'));
  const run = await runTool('sh', ['-c', local], { env: { PATH: `${dir}:/usr/bin:/bin` } });
  return {
    run,
    ipCalls: (await readFile(path.join(dir, 'ip.log'), 'utf8')).trim().split('\n'),
    resolv: await readFile(path.join(dir, 'resolv.conf'), 'utf8'),
    original: await readFile(path.join(dir, 'resolv.conf.cluster-lab-orig'), 'utf8').catch(() => null),
  };
}

describe('the network script, run by the shell', () => {
  it('stops with a clear message on a box without netplan, and changes nothing', async () => {
    const scripts = await scriptsOf(renderVagrantfile(seedLab()));
    // PATH here has the stand-in `ip` and /usr/bin, /bin: no netplan (Debian keeps it in /usr/sbin).
    const result = await runNetworkScript(scripts.get('agent2')!.network!, 'enp0s8', '192.168.1.112');
    expect(result.run.exitCode).toBe(1);
    expect(result.run.stderr).toContain("This box has no netplan: Cluster Lab keeps the lab's route and DNS in netplan's configuration");
    expect(result.ipCalls).toEqual(['ip -o -4 addr show']);
    expect(result.resolv).toBe('nameserver 10.0.2.3\n');
  });

  it('stops with a clear message when no interface carries the address, and changes nothing', async () => {
    const scripts = await scriptsOf(renderVagrantfile(seedLab()));
    const result = await runNetworkScript(scripts.get('server')!.network!, 'eth1', '192.168.1.99');
    expect(result.run.exitCode).toBe(1);
    expect(result.run.stderr).toContain('No interface carries 192.168.1.110: the bridged network did not come up.');
    expect(result.ipCalls).toEqual(['ip -o -4 addr show', 'ip -4 route show default']);
    expect(result.resolv).toBe('nameserver 10.0.2.3\n');
    expect(result.original).toBeNull();
  });

  // What the k3s provisioner met on Vagrant's systemd-networkd branch before the lab wrote a drop-in
  // there (issue 26): the on-link default route via the router stays when the NIC loses its address.
  it('says the bridged NIC lost its address, and which file configures it, when the default route via the router is still on it', async () => {
    const scripts = await scriptsOf(renderVagrantfile(seedLab()));
    for (const name of ['network', 'k3s']) {
      const result = await runNetworkScript(
        scripts.get('server')![name]!,
        'eth1',
        '192.168.1.99',
        'default via 192.168.1.1 dev eth1 proto static onlink\n',
      );
      expect(result.run.exitCode).toBe(1);
      expect(result.run.stderr).toContain(
        'No interface carries 192.168.1.110: eth1, which has the default route via 192.168.1.1, lost the address Vagrant gave it (systemd-networkd configures eth1 from /run/systemd/network/10-netplan-eth1.network).',
      );
      expect(result.run.stderr).not.toContain('Check the bridge');
      expect(result.resolv).toBe('nameserver 10.0.2.3\n');
    }
  });
});

describe('the k3s scripts', () => {
  it('pin k3s to the bridged interface on the server and on every agent', async () => {
    const scripts = await scriptsOf(renderVagrantfile(seedLab()));
    const server = scripts.get('server')!.k3s!;
    expect(server).toContain(
      'export INSTALL_K3S_EXEC="server --node-ip=$NODE_IP --node-external-ip=$NODE_IP --bind-address=$NODE_IP --advertise-address=$NODE_IP --flannel-iface=$IFACE --node-name=$NODE_NAME --tls-san=$SERVER_NAME"',
    );
    expect(server).toContain('cp /etc/rancher/k3s/registries.yaml /vagrant_shared/registries.yaml');
    for (const agent of ['agent1', 'agent2']) {
      const script = scripts.get(agent)!.k3s!;
      expect(script).toContain('export K3S_URL="https://$SERVER_IP:6443"');
      expect(script).toContain('export K3S_TOKEN_FILE=/etc/rancher/k3s/cluster-token');
      expect(script).toContain('--node-ip=$NODE_IP --node-external-ip=$NODE_IP --flannel-iface=$IFACE --node-name=$NODE_NAME');
      expect(script.indexOf('[ -s /vagrant_shared/token ]')).toBeLessThan(script.indexOf('k3s-install.sh'));
    }
  });

  it('write registries.yaml with its indentation, the same on every node', async () => {
    const scripts = await scriptsOf(renderVagrantfile(seedLab()));
    const yaml = 'mirrors:\n  "multi:5000":\n    endpoint:\n      - "http://192.168.1.110:5000"\n';
    for (const machine of ['server', 'agent1', 'agent2']) {
      expect(scripts.get(machine)!.k3s).toContain(`cat > /etc/rancher/k3s/registries.yaml <<'YAML'\n${yaml}YAML\n`);
    }
  });
});
