import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import type { Nic, NicReport } from '../nics';
import { draftFrom, networkWarnings, suggestAddress, suggestPlan } from './plan';
import { defaultLabConfig, validateLab } from './schema';

const wlan: Nic = {
  name: 'wlp5s0',
  bridgeName: 'wlp5s0',
  bridgeNameSource: 'virtualbox',
  ipv4: '192.168.1.23',
  prefixLength: 24,
  mac: 'a0:a8:cd:c5:c1:6e',
  type: 'wireless',
  up: true,
  speedMbps: null,
  default: true,
  excluded: false,
};

function report(nic: Partial<Nic> = {}, rest: Partial<NicReport> = {}): { nic: Nic; report: NicReport } {
  const chosen = { ...wlan, ...nic };
  return { nic: chosen, report: { gateway: '192.168.1.1', nics: [chosen], neighbours: [], detectedAt: 0, bridges: [], notes: [], ...rest } };
}

const ips = (config: ReturnType<typeof suggestPlan>) => [config.server.ip, ...config.agents.map((a) => a.ip)];

describe('suggestPlan', () => {
  it("uses the seed's .110/.111/.112 run on a /24, with the router and external DNS", () => {
    const { nic, report: r } = report();
    const config = suggestPlan(nic, r);
    expect(ips(config)).toEqual(['192.168.1.110', '192.168.1.111', '192.168.1.112']);
    expect(config.network).toEqual({
      nic: 'wlp5s0',
      bridge: 'wlp5s0',
      subnet: '192.168.1.0/24',
      hostIp: '192.168.1.23',
      gateway: '192.168.1.1',
      dns: ['1.1.1.1', '8.8.8.8'],
    });
    expect(config.server.name).toBe('cluster-lab-server');
    expect(validateLab(config)).toMatchObject({ ok: true });
  });

  it('skips the host, the router and neighbour addresses and keeps the run contiguous', () => {
    const { nic, report: r } = report({ ipv4: '192.168.1.111' }, { gateway: '192.168.1.110', neighbours: ['192.168.1.113', '10.0.0.1'] });
    expect(ips(suggestPlan(nic, r))).toEqual(['192.168.1.114', '192.168.1.115', '192.168.1.116']);
  });

  it('plans 0 to 9 agents with unique names, keeping the base settings', () => {
    const { nic, report: r } = report();
    const base = { ...defaultLabConfig(), name: 'mine', agents: [{ name: 'worker', ip: '' }] };
    const nine = suggestPlan(nic, r, { agents: 9, base });
    expect(nine.name).toBe('mine');
    expect(nine.agents.map((a) => a.name)).toEqual(['worker', 'agent2', 'agent3', 'agent4', 'agent5', 'agent6', 'agent7', 'agent8', 'agent9']);
    expect(nine.agents.at(-1)!.ip).toBe('192.168.1.119');
    expect(suggestPlan(nic, r, { agents: 0 }).agents).toEqual([]);
    expect(() => suggestPlan(nic, r, { agents: 10 })).toThrow(/0 to 9 agents/);
  });

  it('plans inside the host /24 of a /8 and a /16', () => {
    const a = report({ ipv4: '10.20.30.40', prefixLength: 8 }, { gateway: '10.0.0.1' });
    expect(ips(suggestPlan(a.nic, a.report))).toEqual(['10.20.30.110', '10.20.30.111', '10.20.30.112']);
    const b = report({ ipv4: '172.16.5.4', prefixLength: 16 }, { gateway: '172.16.0.1' });
    const config = suggestPlan(b.nic, b.report);
    expect(config.network.subnet).toBe('172.16.0.0/16');
    expect(config.server.ip).toBe('172.16.5.110');
  });

  it('fits a /29 from its first free address and refuses more agents than fit', () => {
    const { nic, report: r } = report({ ipv4: '192.168.1.74', prefixLength: 29 }, { gateway: '192.168.1.73' });
    expect(ips(suggestPlan(nic, r, { agents: 3 }))).toEqual(['192.168.1.75', '192.168.1.76', '192.168.1.77', '192.168.1.78']);
    const error = (() => {
      try {
        suggestPlan(nic, r, { agents: 4 });
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error!.code).toBe('invalid_input');
    expect(error!.message).toBe('192.168.1.72/29 has 4 free addresses; a server and 4 agents need 5.');
    expect(error!.hint).toMatch(/at most 3/);
  });

  it('refuses a /30 with the host and the router on it, and /31 and /32 outright', () => {
    const thirty = report({ ipv4: '192.168.1.6', prefixLength: 30 }, { gateway: '192.168.1.5' });
    expect(() => suggestPlan(thirty.nic, thirty.report, { agents: 0 })).toThrow(/0 free addresses/);
    for (const prefixLength of [31, 32]) {
      const p = report({ prefixLength });
      expect(() => suggestPlan(p.nic, p.report)).toThrow(/no room for a lab/);
    }
  });

  it('guesses the first address as router on a NIC that does not hold the default route', () => {
    const { nic, report: r } = report({ ipv4: '10.5.0.20', default: false }, { gateway: '192.168.1.1' });
    expect(suggestPlan(nic, r).network.gateway).toBe('10.5.0.1');
  });
});

describe('suggestAddress', () => {
  it('gives the next free address after the nodes, skipping neighbours', () => {
    const { nic, report: r } = report();
    const config = suggestPlan(nic, r);
    expect(suggestAddress(config, { neighbours: ['192.168.1.113'] })).toBe('192.168.1.114');
  });
});

describe('networkWarnings', () => {
  const planned = () => {
    const { nic, report: r } = report({}, { neighbours: ['192.168.1.111'] });
    return { config: suggestPlan(nic, { ...r, neighbours: [] }), report: r };
  };

  it('warns about DNS on the host, the NAT resolver, the NAT range and loopback', () => {
    const { config, report: r } = planned();
    config.network.dns = ['192.168.1.23', '10.0.2.3', '10.0.2.53'];
    const messages = networkWarnings(config, r).map((w) => `${w.path}: ${w.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^network\.dns\.0: DNS server 192\.168\.1\.23 is this computer/),
        expect.stringMatching(/^network\.dns\.1: DNS server 10\.0\.2\.3 is VirtualBox's NAT resolver/),
        expect.stringMatching(/^network\.dns\.2: .*NAT range 10\.0\.2\.0\/24/),
      ]),
    );
    config.network.dns = ['127.0.0.53'];
    expect(networkWarnings(config, r).map((w) => w.message)).toEqual(expect.arrayContaining([expect.stringMatching(/loopback/)]));
  });

  it('warns about a node on an address in the neighbour table', () => {
    const { config, report: r } = planned();
    expect(networkWarnings(config, r)).toEqual([
      { path: 'agents.0.ip', message: expect.stringMatching(/^Agent agent1 IP 192\.168\.1\.111 is in this computer's neighbour/) },
    ]);
  });

  it('warns about a default route that is not the detected router, a vanished NIC and a NAT-overlapping LAN', () => {
    const { config, report: r } = planned();
    config.network.gateway = '192.168.1.254';
    expect(networkWarnings(config, { ...r, neighbours: [] })).toEqual([
      { path: 'network.gateway', message: expect.stringMatching(/not the router this computer uses \(192\.168\.1\.1\)/) },
    ]);
    expect(networkWarnings(config, { ...r, nics: [] })[0]!.path).toBe('network.nic');
    config.network.subnet = '10.0.0.0/16';
    expect(networkWarnings(config, r).some((w) => w.path === 'network.subnet')).toBe(true);
  });

  it('is quiet about a fresh plan', () => {
    const { nic, report: r } = report();
    expect(networkWarnings(suggestPlan(nic, r), r)).toEqual([]);
  });
});

describe('draftFrom', () => {
  it('keeps well-shaped sections of a draft and replaces the rest with defaults', () => {
    const draft = draftFrom({ name: 'x', vm: { memoryMb: 8192 }, agents: 'nope', k3s: null });
    expect(draft.name).toBe('x');
    expect(draft.vm).toMatchObject({ memoryMb: 8192, cpus: 2 });
    expect(draft.agents).toEqual(defaultLabConfig().agents);
    expect(draft.k3s).toEqual(defaultLabConfig().k3s);
    expect(draftFrom(42)).toEqual(defaultLabConfig());
  });
});
