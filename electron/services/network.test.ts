import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabConfig } from '../../shared/lab/schema';
import type { NicReport } from '../../shared/nics';
import type { NetworkFacts } from './networkFacts';
import { createContext } from './context';
import { checkHosts, detectNics, parseNeighbours, pickNic } from './network';
import { runTool } from './process';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fakeBin = path.join(repoRoot, 'fixtures/bin');

describe('parseNeighbours', () => {
  it('reads `ip neigh` and skips entries nobody answered', () => {
    const output = [
      '192.168.1.1 dev wlp5s0 lladdr 00:11:22:33:44:55 REACHABLE',
      '192.168.1.77 dev wlp5s0 lladdr 00:11:22:33:44:66 STALE',
      '192.168.1.90 dev wlp5s0  FAILED',
      '192.168.1.91 dev wlp5s0  INCOMPLETE',
      '10.77.0.110 dev wlp5s0 lladdr 02:00:00:00:00:10 PERMANENT',
    ].join('\n');
    expect(parseNeighbours('linux', output)).toEqual(['192.168.1.1', '192.168.1.77', '10.77.0.110']);
  });

  it('reads `arp -an` on macOS', () => {
    const output = [
      '? (192.168.1.1) at 0:11:22:33:44:55 on en0 ifscope [ethernet]',
      '? (192.168.1.64) at (incomplete) on en0 ifscope [ethernet]',
      '? (224.0.0.251) at 1:0:5e:0:0:fb on en0 ifscope permanent [ethernet]',
    ].join('\n');
    expect(parseNeighbours('darwin', output)).toEqual(['192.168.1.1', '224.0.0.251']);
  });

  it("reads Get-NetNeighbor's CSV on Windows", () => {
    const output = [
      '"IPAddress","State"',
      '"192.168.1.1","Reachable"',
      '"192.168.1.5","Unreachable"',
      '"192.168.1.7","Stale"',
      '"192.168.1.9","Permanent"',
    ].join('\r\n');
    expect(parseNeighbours('win32', output)).toEqual(['192.168.1.1', '192.168.1.7', '192.168.1.9']);
  });
});

describe('checkHosts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-hosts-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the hosts file and says whether the server line is there', async () => {
    const file = path.join(dir, 'hosts');
    await writeFile(file, '127.0.0.1 localhost\n192.168.1.110 multi\n');
    const ctx = createContext();
    expect(await checkHosts(ctx, { name: 'multi', ip: '192.168.1.110' }, file)).toEqual({
      path: file,
      line: '192.168.1.110  multi',
      state: 'present',
      otherAddresses: [],
    });
    expect((await checkHosts(ctx, { name: 'multi', ip: '192.168.1.120' }, file)).state).toBe('other-address');
    const missing = await checkHosts(ctx, { name: 'multi', ip: '192.168.1.110' }, path.join(dir, 'absent'));
    expect(missing.state).toBe('missing');
    expect(missing.readError).toMatch(/ENOENT/);
  });

  it('looks in the Windows hosts file under SystemRoot', async () => {
    const ctx = createContext({ platform: 'win32', env: { SystemRoot: 'C:\\Windows' } });
    expect((await checkHosts(ctx, { name: 'multi', ip: '192.168.1.110' })).path).toBe('C:\\Windows\\System32\\drivers\\etc\\hosts');
  });
});

describe('detectNics on this machine', () => {
  const emptyFacts = { interfaces: [], defaultInterface: null, defaultGateway: null } as unknown as NetworkFacts;

  it('lists the real NICs, excludes loopback and takes bridge names from VBoxManage when it is there', async () => {
    const ctx = createContext({ env: { ...process.env, PATH: `${fakeBin}${path.delimiter}${process.env.PATH}` } });
    const report = await detectNics(ctx);
    expect(report.bridges).not.toBeNull();
    expect(report.nics.find((n) => n.name === 'lo')?.excluded).toMatch(/^loopback/);
    const pickable = report.nics.filter((n) => n.excluded === false);
    expect(pickable.length).toBeGreaterThan(0);
    for (const nic of pickable) expect(nic).toMatchObject({ bridgeNameSource: 'virtualbox', bridgeName: nic.name, up: true });
    expect(await detectNics(ctx)).toBe(report);
    const fresh = await detectNics(ctx, { refresh: true });
    expect(fresh).not.toBe(report);
    expect(fresh.nics.map((n) => n.name)).toEqual(report.nics.map((n) => n.name));
  });

  it('runs one detection for 100 concurrent refreshes, and a new one only after it has settled', async () => {
    let reads = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ctx = createContext({
      env: { PATH: '' },
      readNetworkFacts: async () => {
        reads++;
        await gate;
        return emptyFacts;
      },
    });
    const calls = Array.from({ length: 100 }, () => detectNics(ctx, { refresh: true }));
    expect(reads).toBe(1);
    release();
    const reports = await Promise.all(calls);
    expect(new Set(reports).size).toBe(1);
    await detectNics(ctx, { refresh: true });
    expect(reads).toBe(2);
  });

  it('forgets a detection that failed: the next call, refresh or not, tries again', async () => {
    let reads = 0;
    const ctx = createContext({
      env: { PATH: '' },
      readNetworkFacts: () => (++reads === 1 ? Promise.reject(new Error('worker exit 1')) : Promise.resolve(emptyFacts)),
    });
    await expect(detectNics(ctx)).rejects.toThrow('worker exit 1');
    expect((await detectNics(ctx)).nics).toEqual([]);
    expect(reads).toBe(2);
  });

  it('marks names as guesses without VirtualBox', async () => {
    const report = await detectNics(createContext({ env: { ...process.env, PATH: '/usr/bin:/bin' } }));
    expect(report.bridges).toBeNull();
    for (const nic of report.nics) expect(nic.bridgeNameSource).toBe('guess');
  });

  it('refuses an unknown or excluded NIC naming the ones that can be picked', () => {
    const report = {
      nics: [
        { name: 'eth0', excluded: false },
        { name: 'docker0', excluded: 'a container network or bridge, not your LAN' },
      ],
    } as NicReport;
    expect(() => pickNic(report, 'wlan9')).toThrow(/no network interface called "wlan9"/);
    expect(() => pickNic(report, 'docker0')).toThrow(/docker0 cannot be bridged: a container network/);
    try {
      pickNic(report, 'docker0');
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_input', hint: 'NICs that can be picked: eth0.' });
    }
  });
});

/**
 * Real systeminformation in a network namespace with made-up NICs: veth pairs whose peers sit in
 * a second namespace (the `dummy` link type is missing on these machines). Nothing leaves the two
 * namespaces; the neighbour entry is written, never learned.
 */
const namespaceSkip = await (async () => {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root (CI runs as root)';
  const probe = await runTool('ip', ['netns', 'list']);
  return probe.exitCode === 0 ? null : `ip netns is unavailable (${probe.spawnError ?? probe.stderr})`;
})();
if (namespaceSkip) console.log(`NIC detection tests in network namespaces skipped: ${namespaceSkip}`);

describe.skipIf(namespaceSkip !== null)(`detection inside a network namespace${namespaceSkip ? ` (skipped: ${namespaceSkip})` : ''}`, () => {
  const lab = `cl-lab-${process.pid}`;
  const peers = `cl-peer-${process.pid}`;
  const ip = async (...args: string[]) => {
    const result = await runTool('ip', args);
    if (result.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr || result.spawnError}`);
  };
  /** A NIC in the lab namespace, its veth peer up in the other so the link has carrier. */
  const nic = async (name: string, peer: string, options: { address?: string; up?: boolean } = {}) => {
    await ip('link', 'add', name, 'netns', lab, 'type', 'veth', 'peer', 'name', peer, 'netns', peers);
    if (options.address) await ip('-n', lab, 'addr', 'add', options.address, 'dev', name, ...(options.address.includes(':') ? ['nodad'] : []));
    await ip('-n', peers, 'link', 'set', peer, 'up');
    if (options.up !== false) await ip('-n', lab, 'link', 'set', name, 'up');
  };
  /**
   * The kernel reports carrier on a new veth a moment later (link events are batched), and until
   * then the OS interface list leaves the NIC out: wait for it, as a person would wait for a link.
   */
  const waitUntilUp = async (names: string[]) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const links = await runTool('ip', ['-n', lab, '-br', 'link', 'show']);
      const up = new Set(links.stdout.split('\n').flatMap((line) => (/^(\S+?)(@\S+)?\s+UP\s/.exec(line) ? [line.split(/[@\s]/)[0]!] : [])));
      if (names.every((name) => up.has(name))) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the test NICs did not come up: ${names.join(', ')}`);
  };
  let result: { report: NicReport; plan: LabConfig };

  beforeAll(async () => {
    await ip('netns', 'add', lab);
    await ip('netns', 'add', peers);
    await ip('-n', lab, 'link', 'set', 'lo', 'up');
    await nic('wlp5s0', 'p-wlp', { address: '10.77.0.20/24' });
    await ip('-n', lab, 'route', 'add', 'default', 'via', '10.77.0.1', 'dev', 'wlp5s0');
    await ip('-n', lab, 'neigh', 'add', '10.77.0.110', 'lladdr', '02:00:00:00:00:10', 'dev', 'wlp5s0', 'nud', 'permanent');
    await nic('docker0', 'p-docker', { address: '172.17.0.1/16' });
    await nic('tel0', 'p-tel', { address: '100.64.7.1/24' });
    await nic('veth3a9f1c', 'p-veth', { address: '10.88.0.1/24' });
    await nic('eth9', 'p-down', { address: '192.168.50.2/24', up: false });
    await nic('eno2', 'p-nov4', { address: 'fd00:77::2/64' });
    await waitUntilUp(['wlp5s0', 'docker0', 'tel0', 'veth3a9f1c', 'eno2']);
    // The fake VBoxManage lists the namespace's own interfaces, so matching runs on them.
    const env = { ...process.env, PATH: `${fakeBin}${path.delimiter}${process.env.PATH}` };
    const child = await runTool(
      'ip',
      ['netns', 'exec', lab, path.join(repoRoot, 'node_modules/.bin/tsx'), path.join(import.meta.dirname, 'network.netns-child.ts'), 'wlp5s0'],
      {
        env,
        timeoutMs: 60_000,
      },
    );
    if (child.exitCode !== 0) throw new Error(`detection in the namespace failed: ${child.stderr}`);
    result = JSON.parse(child.stdout) as typeof result;
  }, 90_000);

  afterAll(async () => {
    for (const ns of [lab, peers]) await runTool('ip', ['netns', 'del', ns]);
  });

  const find = (name: string) => result.report.nics.find((n) => n.name === name);

  it('finds the LAN NIC with its address, prefix and the default route', () => {
    expect(result.report.gateway).toBe('10.77.0.1');
    expect(find('wlp5s0')).toMatchObject({
      ipv4: '10.77.0.20',
      prefixLength: 24,
      up: true,
      default: true,
      excluded: false,
      bridgeName: 'wlp5s0',
      bridgeNameSource: 'virtualbox',
    });
    expect(result.report.nics[0]!.name).toBe('wlp5s0');
  });

  it('keeps the NICs that must not be picked, each with its reason', () => {
    expect(find('lo')?.excluded).toMatch(/^loopback/);
    expect(find('docker0')?.excluded).toMatch(/container network/);
    expect(find('tel0')?.excluded).toMatch(/Telepresence's own VIF/);
    expect(find('veth3a9f1c')?.excluded).toMatch(/container network/);
    // systeminformation leaves out interfaces that are down or hold no IPv4 address; if it lists them, they are refused.
    const down = find('eth9');
    if (down) expect(down.excluded).toMatch(/down/);
    const noV4 = find('eno2');
    if (noV4) expect(noV4.excluded).toMatch(/no IPv4/);
    expect(result.report.nics.filter((n) => n.excluded === false).map((n) => n.name)).toEqual(['wlp5s0']);
  });

  it('reads the neighbour table and the plan avoids its address', () => {
    expect(result.report.neighbours).toContain('10.77.0.110');
    const addresses = [result.plan.server.ip, ...result.plan.agents.map((a) => a.ip)];
    expect(addresses).not.toContain('10.77.0.110');
    expect(addresses).toEqual(['10.77.0.111', '10.77.0.112', '10.77.0.113']);
    expect(result.plan.network).toMatchObject({
      nic: 'wlp5s0',
      bridge: 'wlp5s0',
      subnet: '10.77.0.0/24',
      hostIp: '10.77.0.20',
      gateway: '10.77.0.1',
    });
  });
});
