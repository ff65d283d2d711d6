/**
 * The lab check's real script, run in guests: `vagrant ssh` (the stand-in) runs it in a network
 * namespace per node with its own routes, addresses and resolv.conf. One node is healthy; one routes
 * and resolves through VirtualBox's NAT as a guest that lost its lab network does, and passes once
 * mended. Needs root for the namespaces; skipped otherwise.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeToolsContext } from '../../fixtures/env';
import { k3sYaml } from '../../fixtures/k3s';
import { checkScript, judgeNode, parseCheckOutput, vifSubnetsFromIpRoute, vifSubnetsFromNetstat, vifTargets } from '../../shared/labCheck';
import { labMachines } from '../../shared/lab/machines';
import { seedLab } from '../../shared/render/testing';
import { createContext } from './context';
import { K3S_KUBECONFIG, writeLabKubeconfig } from './kubectl';
import { writeLab } from './labFolder';
import { checkLab } from './labCheck';
import { jsonOut } from '../cli/jsonShapes.testing';
import { runCli } from '../cli/runCli';

const run = promisify(execFile);
const root = process.getuid?.() === 0;
if (!root) console.log('lab check tests in network namespaces skipped: they need root');

const lab = { ...seedLab(), agents: [{ name: 'agent1', ip: '192.168.1.111' }], network: { ...seedLab().network, dns: ['8.8.8.8'] } };
const id = `clc${process.pid}`;
let home: string;
let dir: string;

async function guest(name: string, ip: string, healthy: boolean): Promise<{ netns: string; resolv: string }> {
  const netns = `${id}-${name}`;
  const ipns = (...args: string[]) => run('ip', ['-n', netns, ...args]);
  await run('ip', ['netns', 'add', netns]);
  // Each NIC a veth whose other end stays in the guest too: a link that is up, with nothing behind it.
  for (const dev of ['eth0', 'enp0s8']) {
    await ipns('link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}-peer`);
    for (const end of [dev, `${dev}-peer`]) await ipns('link', 'set', end, 'up');
  }
  // VirtualBox's NAT lease, and the bridged address Vagrant gives the node.
  await ipns('addr', 'add', '10.0.2.15/24', 'dev', 'eth0', 'valid_lft', '86400', 'preferred_lft', '86400');
  await ipns('addr', 'add', `${ip}/24`, 'dev', 'enp0s8');
  const resolv = path.join(home, `${name}-resolv.conf`);
  await mendOrBreak(netns, resolv, healthy);
  return { netns, resolv };
}

async function mendOrBreak(netns: string, resolv: string, healthy: boolean): Promise<void> {
  await run('ip', ['-n', netns, 'route', 'replace', 'default', 'via', healthy ? '192.168.1.1' : '10.0.2.2', 'dev', healthy ? 'enp0s8' : 'eth0']);
  await writeFile(resolv, healthy ? 'nameserver 8.8.8.8\n' : 'nameserver 10.0.2.3\n');
}

let guests: Record<string, { netns: string; resolv: string }> = {};

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-check-'));
  dir = path.join(home, 'lab');
  await writeLab(dir, lab);
  for (const machine of ['server', 'agent1']) {
    await mkdir(path.join(dir, '.vagrant', 'machines', machine), { recursive: true });
    await writeFile(path.join(dir, '.vagrant', 'machines', machine, 'fake-state'), 'running');
  }
  await writeFile(path.join(dir, K3S_KUBECONFIG), k3sYaml);
  await writeLabKubeconfig(dir, lab);
  if (root) guests = { server: await guest('server', '192.168.1.110', true), agent1: await guest('agent1', '192.168.1.111', false) };
});
afterAll(async () => {
  for (const { netns } of Object.values(guests)) await run('ip', ['netns', 'del', netns]).catch(() => {});
  await rm(home, { recursive: true, force: true });
});

const context = () => createContext(fakeToolsContext(home, { FAKE_VAGRANT_GUESTS: JSON.stringify(guests) }));

describe.skipIf(!root)('the lab check, run in guests', () => {
  it('passes the healthy node, fails the one routed and resolved through NAT for both reasons, and passes it once mended', async () => {
    const first = await checkLab(context(), dir);
    expect(first.ok).toBe(false);
    const [server, agent] = first.nodes;
    expect(server).toMatchObject({ machine: 'server', ok: true });
    expect(server!.checks.map((c) => [c.id, c.ok])).toEqual([
      ['default-route', true],
      ['dns', true],
      ['address', true],
      ['vif', true],
      ['kubernetes', true],
    ]);
    expect(agent).toMatchObject({ machine: 'agent1', ok: false });
    const failed = Object.fromEntries(agent!.checks.filter((c) => !c.ok).map((c) => [c.id, c.detail]));
    expect(Object.keys(failed)).toEqual(['default-route', 'dns', 'vif']);
    expect(failed['default-route']).toMatch(/^default route via 10\.0\.2\.2 on eth0 \(NAT\): only via 192\.168\.1\.1 on enp0s8/);
    expect(failed.dns).toContain("Resolvers 10.0.2.3 (10.0.2.3 is VirtualBox's NAT resolver), expected exactly 8.8.8.8");
    expect(failed.vif).toContain('10.43.0.1 goes via 10.0.2.2 on eth0 (NAT)');

    await mendOrBreak(guests.agent1!.netns, guests.agent1!.resolv, true);
    const mended = await checkLab(context(), dir);
    expect(mended.nodes.map((n) => [n.machine, n.ok])).toEqual([
      ['server', true],
      ['agent1', true],
    ]);
    expect(mended.ok).toBe(true);
    expect(Date.parse(mended.checkedAt)).not.toBeNaN();
  });

  it('is `cluster-lab check`: exit 0 when every node passes, 1 when one fails, 2 with no lab in the folder; --json as documented', async () => {
    const env = fakeToolsContext(home, { FAKE_VAGRANT_GUESTS: JSON.stringify(guests) });
    const passing = await runCli(['check', '--dir', dir, '--json'], env);
    expect(passing.code, passing.err).toBe(0);
    const json = jsonOut<{
      ok: boolean;
      checkedAt: string;
      nodes: { machine: string; ok: boolean; checks: { id: string; ok: boolean; detail: string }[] }[];
    }>('check', passing.out);
    expect(Object.keys(json)).toEqual(['schemaVersion', 'ok', 'checkedAt', 'nodes']);
    expect(json.nodes.map((n) => Object.keys(n))).toEqual([
      ['machine', 'ok', 'checks'],
      ['machine', 'ok', 'checks'],
    ]);
    await mendOrBreak(guests.agent1!.netns, guests.agent1!.resolv, false);
    try {
      const failing = await runCli(['check', '--dir', dir], env);
      expect(failing.code).toBe(1);
      // The Run step's and the doctor's words (renderer/components/NodeTable.tsx, shared/doctor.ts).
      expect(failing.out).toContain('agent1: At risk');
      expect(failing.out).toMatch(/Must fix {2}default-route +default route via 10\.0\.2\.2 on eth0 \(NAT\)/);
    } finally {
      await mendOrBreak(guests.agent1!.netns, guests.agent1!.resolv, true);
    }
    const nowhere = await runCli(['check', '--dir', path.join(home, 'nowhere')], env);
    expect(nowhere.code).toBe(2);
  });

  it('does not count a node that is not running as a pass', async () => {
    await writeFile(path.join(dir, '.vagrant', 'machines', 'agent1', 'fake-state'), 'poweroff');
    try {
      const result = await checkLab(context(), dir);
      expect(result.ok).toBe(false);
      expect(result.nodes[1]).toEqual({
        machine: 'agent1',
        ok: null,
        checks: [{ id: 'reach', ok: false, detail: 'Not checked: the VM is poweroff.' }],
      });
    } finally {
      await writeFile(path.join(dir, '.vagrant', 'machines', 'agent1', 'fake-state'), 'running');
    }
  });
});

describe('judging what a node says', () => {
  const server = labMachines(lab)[0]!;
  const output = (resolv: string) =>
    [
      '@@default',
      'default via 192.168.1.1 dev enp0s8 proto static onlink',
      '@@addr',
      '2: eth0    inet 10.0.2.15/24 metric 100 brd 10.0.2.255 scope global dynamic eth0\\       valid_lft 86391sec preferred_lft 86391sec',
      '3: enp0s8    inet 192.168.1.110/24 brd 192.168.1.255 scope global enp0s8\\       valid_lft forever preferred_lft forever',
      '@@resolv-link',
      resolv,
      '@@resolv',
      'nameserver 127.0.0.53',
      '@@links',
      'eth0 ',
      'enp0s8 8.8.8.8',
      '@@route-get',
      '10.43.0.1 10.43.0.1 via 192.168.1.1 dev enp0s8 src 192.168.1.110 uid 1000',
      '@@end',
    ].join('\n');
  const kube = { nodes: [{ name: 'multi', internalIp: '192.168.1.110' }] };

  it("behind systemd-resolved's stub, judges the links' DNS, not 127.0.0.53", () => {
    const judged = judgeNode(lab, server, parseCheckOutput(output('../run/systemd/resolve/stub-resolv.conf'))!, kube);
    expect(judged.ok).toBe(true);
    expect(judged.checks.find((c) => c.id === 'dns')?.detail).toBe('8.8.8.8 (systemd-resolved, per link).');
  });

  it('takes a plain resolv.conf as it is, and an output cut short as no answer', () => {
    expect(judgeNode(lab, server, parseCheckOutput(output(''))!, kube).checks.find((c) => c.id === 'dns')?.ok).toBe(false);
    expect(parseCheckOutput(output('').replace('@@end', ''))).toBeNull();
  });

  it('says when Kubernetes knows the node under another address, and puts only IPv4 addresses into the script', () => {
    const judged = judgeNode(lab, server, parseCheckOutput(output('../run/systemd/resolve/stub-resolv.conf'))!, {
      nodes: [{ name: 'multi', internalIp: '10.0.2.15' }],
    });
    expect(judged.checks.find((c) => c.id === 'kubernetes')?.detail).toContain('InternalIP 10.0.2.15, expected 192.168.1.110');
    expect(() => checkScript(['10.43.0.1; rm -rf /'])).toThrow(/Not an IPv4 address/);
    expect(checkScript(['10.43.0.1'])).toContain('set -- 10.43.0.1\n');
  });
});

describe("the host's VIF subnets", () => {
  it('reads tel* routes from Linux ip route', () => {
    const routes = [
      'default via 192.168.1.1 dev wlp5s0 proto dhcp metric 600',
      '10.43.0.0/16 dev tel0 scope link',
      '10.42.0.0/16 dev tel0 scope link',
      '192.168.1.0/24 dev wlp5s0 proto kernel scope link src 192.168.1.23',
    ];
    expect(vifSubnetsFromIpRoute(routes.join('\n'))).toEqual(['10.43.0.0/16', '10.42.0.0/16']);
  });

  it("reads utun* subnets from macOS netstat, in netstat's short notation", () => {
    // Lines of `netstat -rn` posted with Telepresence connected (telepresenceio/telepresence#2900 and #4048).
    const netstat = [
      'Routing tables',
      '',
      'Internet:',
      'Destination        Gateway            Flags           Netif Expire',
      'default            10.0.0.1           UGScg             en0',
      '10/26              utun4              USc             utun4',
      '10/24              link#6             UCS               en0      !',
      '10.0.0.64/26       utun4              USc             utun4',
      '10.0.1/24          utun4              USc             utun4',
      '10.80/17           utun4              USc             utun4',
      '10                 10.116.0.81        UGSc                utun4',
      '10.1.20.18         10.116.0.81        UGHS                utun4',
      '172.16/12          10.116.0.81        UGSc                utun4',
      '127                127.0.0.1          UCS                   lo0',
    ].join('\n');
    expect(vifSubnetsFromNetstat(netstat)).toEqual(['10.0.0.0/26', '10.0.0.64/26', '10.0.1.0/24', '10.80.0.0/17', '10.0.0.0/8', '172.16.0.0/12']);
    expect(vifTargets(vifSubnetsFromNetstat(netstat)).slice(0, 2)).toEqual(['10.0.0.1', '10.0.0.65']);
  });
});
