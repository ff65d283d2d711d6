/**
 * The provision scripts, taken from the rendered Vagrantfile (loaded by the real Ruby in a
 * recording stand-in for Vagrant): where they stop before touching the guest, run by the real shell
 * against a stand-in `ip`, and what the k3s scripts hand the installer. guest.test.ts runs them
 * for real in a guest with systemd-networkd and netplan.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningOf } from '../../fixtures/guest/provisioners';
import { placeRelease, recorderInstallScript, sha256Hex, standInRelease } from '../../fixtures/k3sRelease';
import { runTool } from '../../electron/services/process';
import { pinnedK3sVersion, type LabConfig } from '../lab/schema';
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
      expect(script.indexOf('[ -s /vagrant_shared/token ]')).toBeLessThan(script.indexOf('\ninstall_k3s\n'));
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

/**
 * install_k3s as the k3s provisioner defines it, run by the real shell with the guest's fixed paths
 * moved into a temporary lab folder, `uname` answering for the guest, and curl and wget that record a
 * call and fail: the install must not need them. The release is placed as Up places it (the files in
 * shared/, their hashes in .cluster-lab/) and `tamper` changes the lab folder before the Vagrantfile
 * is loaded from it, as Vagrant loads it at `vagrant up`.
 */
async function runInstallK3s(
  options: { lab?: LabConfig; machine?: string; uname?: string; tamper?: (files: string, labDir: string) => Promise<void> } = {},
) {
  const lab = options.lab ?? seedLab();
  const dir = await mkdtemp(path.join(work, 'k3s-'));
  const release = standInRelease({
    version: pinnedK3sVersion(lab.k3s) ?? 'v1.33.5+k3s1',
    installScript: recorderInstallScript(path.join(dir, 'install.env')),
  });
  const files = await placeRelease(dir, release);
  await options.tamper?.(files, dir);
  const script = (await provisioningOf(renderVagrantfile(lab), dir)).get(options.machine ?? 'agent1')!.scripts.k3s!;
  const labEnv = script.slice(0, script.indexOf('set -eu'));
  const functions = script.slice(script.indexOf('# install_k3s:'), script.indexOf('\n}\n', script.indexOf('install_k3s() {')) + 3);
  const bin = path.join(dir, 'bin');
  await mkdir(bin);
  await writeFile(path.join(bin, 'uname'), `#!/bin/sh\necho ${options.uname ?? 'x86_64'}\n`);
  for (const tool of ['curl', 'wget']) await writeFile(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${dir}/network.log'\nexit 7\n`);
  for (const tool of ['uname', 'curl', 'wget']) await chmod(path.join(bin, tool), 0o755);
  const local = `${labEnv}set -eu\n${functions}install_k3s\n`
    .replaceAll('/vagrant_shared', path.join(dir, 'shared'))
    .replaceAll('/usr/local/bin', path.join(dir, 'usr-local-bin'))
    .replaceAll('/var/lib/rancher', path.join(dir, 'rancher'));
  const run = await runTool('sh', ['-c', local], { env: { PATH: `${bin}:/usr/bin:/bin` } });
  const read = (file: string) => readFile(path.join(dir, file)).catch(() => null);
  return {
    run,
    release,
    dir,
    binary: path.join(dir, 'usr-local-bin', 'k3s'),
    images: await read('rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst'),
    installEnv: (await read('install.env'))?.toString() ?? null,
    network: (await read('network.log'))?.toString() ?? null,
  };
}

describe('install_k3s, run by the shell', () => {
  it('installs the pinned release from the synced folder: the binary at /usr/local/bin/k3s (755), the images where k3s loads them, install.sh told to download nothing', async () => {
    const result = await runInstallK3s();
    expect(result.run.exitCode, result.run.stderr).toBe(0);
    expect(await readFile(result.binary)).toEqual(result.release.files.get('k3s'));
    expect((await stat(result.binary)).mode & 0o777).toBe(0o755);
    expect(result.images).toEqual(result.release.files.get('k3s-airgap-images-amd64.tar.zst'));
    expect(result.installEnv).toContain(`INSTALL_K3S_VERSION=${result.release.version}\n`);
    expect(result.installEnv).toContain('INSTALL_K3S_SKIP_DOWNLOAD=true\n');
    expect(result.installEnv).not.toContain('INSTALL_K3S_CHANNEL');
    expect(result.network).toBeNull();
    expect(await readdir(path.dirname(result.binary))).toEqual(['k3s']);
  });

  it("refuses a binary another guest swapped in the share, though it rewrote the release's checksum line to match: nothing installed, install.sh not run", async () => {
    const swapped = '#!/bin/sh\necho swapped\n';
    const result = await runInstallK3s({
      tamper: async (files) => {
        await writeFile(path.join(files, 'k3s'), swapped);
        await writeFile(path.join(files, 'sha256sum-amd64.txt'), `${sha256Hex(swapped)}  k3s\n`);
      },
    });
    expect(result.run.exitCode).toBe(1);
    expect(result.run.stderr).toContain(
      `k3s ${result.release.version}: ${result.dir}/shared/k3s/${result.release.version}/k3s is not the file Cluster Lab placed there (expected ${sha256Hex(result.release.files.get('k3s')!)}, got ${sha256Hex(swapped)}); nothing was installed.`,
    );
    expect(await readdir(path.dirname(result.binary))).toEqual([]);
    expect(result.installEnv).toBeNull();
    expect(result.network).toBeNull();
  });

  it('runs only the install.sh Cluster Lab placed: a swapped one is refused, a copy of the checked one is what runs', async () => {
    const swapped = await runInstallK3s({
      tamper: (files, labDir) => writeFile(path.join(files, 'install.sh'), `#!/bin/sh\ntouch '${labDir}/install.env'\n`),
    });
    expect(swapped.run.exitCode).toBe(1);
    expect(swapped.run.stderr).toContain('/install.sh is not the file Cluster Lab placed there');
    expect(swapped.installEnv).toBeNull();
  });

  it('takes only hash lines from .cluster-lab/k3s-placed.sha256: a file it has no line for is refused, anything else in it never reaches the shell', async () => {
    const placedSums = (labDir: string) => path.join(labDir, '.cluster-lab', 'k3s-placed.sha256');
    const unlisted = await runInstallK3s({
      tamper: async (_files, labDir) => {
        const sums = await readFile(placedSums(labDir), 'utf8');
        await writeFile(placedSums(labDir), sums.replace(/^.* {2}k3s\n/m, ''));
      },
    });
    expect(unlisted.run.exitCode).toBe(1);
    expect(unlisted.run.stderr).toContain('(expected a hash for it in .cluster-lab/k3s-placed.sha256, got ');
    expect(unlisted.installEnv).toBeNull();

    const hostile = await runInstallK3s({
      tamper: async (_files, labDir) => {
        const sums = await readFile(placedSums(labDir), 'utf8');
        // A line with no hash, and a hash with a file name that would close the shell's quotes.
        await writeFile(placedSums(labDir), `'; touch '${labDir}/pwned'; '\n${sums}${'a'.repeat(64)}  x';touch '${labDir}/pwned';'\n`);
      },
    });
    expect(hostile.run.exitCode, hostile.run.stderr).toBe(0);
    expect(await readdir(hostile.dir)).not.toContain('pwned');

    // Missing, a link (even to the right hashes), or larger than any real one: no hashes at all.
    const elsewhere = path.join(work, 'elsewhere.sha256');
    for (const tamper of [
      (labDir: string) => rm(placedSums(labDir)),
      async (labDir: string) => {
        await writeFile(elsewhere, await readFile(placedSums(labDir)));
        await rm(placedSums(labDir));
        await symlink(elsewhere, placedSums(labDir));
      },
      async (labDir: string) => writeFile(placedSums(labDir), `${await readFile(placedSums(labDir), 'utf8')}${'#'.repeat(4096)}\n`),
    ]) {
      const none = await runInstallK3s({ tamper: (_files, labDir) => tamper(labDir) });
      expect(none.run.exitCode).toBe(1);
      expect(none.run.stderr).toContain(
        'the lab folder has no .cluster-lab/k3s-placed.sha256, the hashes Cluster Lab places the release with. Bring the lab up with Cluster Lab (Up, or cluster-lab up --dir DIR), not vagrant up alone.',
      );
      expect(none.installEnv).toBeNull();
    }

    const missing = await runInstallK3s({ tamper: (files) => rm(path.join(files, 'k3s-airgap-images-amd64.tar.zst')) });
    expect(missing.run.exitCode).toBe(1);
    expect(missing.run.stderr).toContain(
      `k3s-airgap-images-amd64.tar.zst is missing. Cluster Lab puts the release there before the first VM boots: bring the lab up with Cluster Lab (Up, or cluster-lab up --dir DIR), not vagrant up alone.`,
    );
    expect(missing.installEnv).toBeNull();
  });

  it('takes the arm64 files on an arm64 guest, and stops on an architecture k3s is not fetched for', async () => {
    const arm = await runInstallK3s({ uname: 'aarch64' });
    expect(arm.run.exitCode).toBe(1);
    expect(arm.run.stderr).toContain('k3s-arm64 is missing');
    const other = await runInstallK3s({ uname: 's390x' });
    expect(other.run.exitCode).toBe(1);
    expect(other.run.stderr).toContain('This guest is s390x: Cluster Lab installs k3s on amd64 and arm64 guests only.');
  });

  it('stops before anything when lab.json has a channel not resolved to a version', async () => {
    const result = await runInstallK3s({ lab: { ...seedLab(), k3s: { source: 'channel', value: 'stable' } }, machine: 'server' });
    expect(result.run.exitCode).toBe(1);
    expect(result.run.stderr).toContain('lab.json names no k3s version: write the lab again in Cluster Lab');
    expect(result.installEnv).toBeNull();
  });
});
