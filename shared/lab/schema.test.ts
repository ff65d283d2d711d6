import { describe, expect, it } from 'vitest';
import { defaultLabConfig, validateLab, type LabConfig } from './schema';

/** A valid lab on 192.168.1.0/24, as the plan would suggest it; each test breaks one thing. */
function lab(change: (config: LabConfig) => void = () => {}): LabConfig {
  const config = defaultLabConfig();
  config.network = {
    nic: 'wlp5s0',
    bridge: 'wlp5s0',
    subnet: '192.168.1.0/24',
    hostIp: '192.168.1.23',
    gateway: '192.168.1.1',
    dns: ['1.1.1.1', '8.8.8.8'],
  };
  config.server.ip = '192.168.1.110';
  config.agents = [
    { name: 'agent1', ip: '192.168.1.111' },
    { name: 'agent2', ip: '192.168.1.112' },
  ];
  change(config);
  return config;
}

const issueFor = (config: LabConfig, path: string) => {
  const result = validateLab(config);
  return result.ok ? undefined : result.issues.find((i) => i.path === path)?.message;
};

describe('lab schema: the network rules', () => {
  it('accepts the suggested plan', () => {
    expect(validateLab(lab())).toMatchObject({ ok: true });
  });

  it('names the field and the usable range when an address is outside the subnet', () => {
    expect(
      issueFor(
        lab((c) => (c.server.ip = '10.9.9.9')),
        'server.ip',
      ),
    ).toBe('Server IP 10.9.9.9 is outside 192.168.1.0/24: use an address from 192.168.1.1 to 192.168.1.254.');
    expect(
      issueFor(
        lab((c) => (c.network.gateway = '192.168.2.1')),
        'network.gateway',
      ),
    ).toMatch(/^Default route 192\.168\.2\.1 is outside/);
    expect(
      issueFor(
        lab((c) => (c.agents[1]!.ip = '192.168.0.5')),
        'agents.1.ip',
      ),
    ).toMatch(/^Agent agent2 IP .* outside 192\.168\.1\.0\/24/);
  });

  it('refuses the network and broadcast addresses', () => {
    expect(
      issueFor(
        lab((c) => (c.server.ip = '192.168.1.0')),
        'server.ip',
      ),
    ).toMatch(/network address of 192\.168\.1\.0\/24/);
    expect(
      issueFor(
        lab((c) => (c.agents[0]!.ip = '192.168.1.255')),
        'agents.0.ip',
      ),
    ).toMatch(/broadcast address/);
  });

  it('refuses an address taken by the host, the router or another node', () => {
    expect(
      issueFor(
        lab((c) => (c.server.ip = '192.168.1.23')),
        'server.ip',
      ),
    ).toMatch(/already used by this computer/);
    expect(
      issueFor(
        lab((c) => (c.server.ip = '192.168.1.1')),
        'server.ip',
      ),
    ).toMatch(/already used by the default route/);
    expect(
      issueFor(
        lab((c) => (c.agents[1]!.ip = '192.168.1.111')),
        'agents.1.ip',
      ),
    ).toMatch(/already used by Agent agent1 IP/);
  });

  it('checks IPv4 syntax and RFC 1123 names, and keeps agent names unique', () => {
    expect(
      issueFor(
        lab((c) => (c.server.ip = '192.168.1.300')),
        'server.ip',
      ),
    ).toMatch(/must be an IPv4 address/);
    expect(
      issueFor(
        lab((c) => (c.server.name = '-multi')),
        'server.name',
      ),
    ).toMatch(/must be a host name/);
    expect(
      issueFor(
        lab((c) => (c.agents[0]!.name = 'agent_1')),
        'agents.0.name',
      ),
    ).toMatch(/letters, digits or hyphens/);
    expect(
      issueFor(
        lab((c) => (c.agents[1]!.name = 'AGENT1')),
        'agents.1.name',
      ),
    ).toMatch(/already used by agent 1/);
    expect(
      issueFor(
        lab((c) => (c.agents[0]!.name = 'multi')),
        'agents.0.name',
      ),
    ).toMatch(/already used by the server/);
  });

  it('refuses /31 and /32 with what to use instead', () => {
    expect(
      issueFor(
        lab((c) => (c.network.subnet = '192.168.1.110/32')),
        'network.subnet',
      ),
    ).toMatch(/single address, too small .* \/30 or larger/);
    expect(
      issueFor(
        lab((c) => (c.network.subnet = '192.168.1.110/31')),
        'network.subnet',
      ),
    ).toMatch(/point-to-point .* \/30 or larger/);
  });

  it('refuses a subnet too small for the lab and says how many agents fit', () => {
    const small = lab((c) => {
      c.network = { ...c.network, subnet: '192.168.1.0/29', hostIp: '192.168.1.2' };
      c.server.ip = '192.168.1.3';
      c.agents = ['4', '5', '6', '7'].map((n, i) => ({ name: `agent${i + 1}`, ip: `192.168.1.${n}` }));
    });
    expect(issueFor(small, 'network.subnet')).toBe(
      'Subnet 192.168.1.0/29 has 6 usable addresses (192.168.1.1 to 192.168.1.6); the router, the server and 4 agents besides this computer need 6. Use at most 3 agents or a larger subnet.',
    );
    expect(validateLab({ ...small, agents: small.agents.slice(0, 3) })).toMatchObject({ ok: true });
  });

  it('accepts a /30 with only the router and the server, and a /8 or /16', () => {
    const tiny = lab((c) => {
      c.network = { ...c.network, subnet: '192.168.1.4/30', hostIp: '', gateway: '192.168.1.5' };
      c.server.ip = '192.168.1.6';
      c.agents = [];
    });
    expect(validateLab(tiny)).toMatchObject({ ok: true });
    expect(validateLab(lab((c) => (c.network.subnet = '192.168.0.0/16')))).toMatchObject({ ok: true });
    expect(validateLab(lab((c) => (c.network.subnet = '192.0.0.0/8')))).toMatchObject({ ok: true });
  });

  it('wants one to three DNS servers, each an IPv4 address', () => {
    expect(
      issueFor(
        lab((c) => (c.network.dns = [])),
        'network.dns',
      ),
    ).toMatch(/at least one DNS server/);
    expect(
      issueFor(
        lab((c) => (c.network.dns = ['1.1.1.1', 'dns.google'])),
        'network.dns.1',
      ),
    ).toMatch(/DNS server must be an IPv4 address/);
  });
});
