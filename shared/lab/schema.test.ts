import { describe, expect, it } from 'vitest';
import { seedLab } from '../render/testing';
import { validateLab, type LabConfig } from './schema';

/** The seed's lab with this computer on the LAN too: valid; each test breaks one thing. */
function lab(change: (config: LabConfig) => unknown = () => {}): LabConfig {
  const config = seedLab();
  config.network.hostIp = '192.168.1.23';
  change(config);
  return config;
}

const issueFor = (path: string, change: (config: LabConfig) => unknown) => {
  const result = validateLab(lab(change));
  return result.ok ? undefined : result.issues.find((i) => i.path === path)?.message;
};

/** [field, the change that breaks it, what its message says] */
const fieldCases: [string, (c: LabConfig) => unknown, RegExp | string][] = [
  ['server.ip', (c) => (c.server.ip = '10.9.9.9'), 'Server IP 10.9.9.9 is outside 192.168.1.0/24: use an address from 192.168.1.1 to 192.168.1.254.'],
  ['network.gateway', (c) => (c.network.gateway = '192.168.2.1'), /^Default route 192\.168\.2\.1 is outside/],
  ['agents.1.ip', (c) => (c.agents[1]!.ip = '192.168.0.5'), /^Agent agent2 IP .* outside 192\.168\.1\.0\/24/],
  ['server.ip', (c) => (c.server.ip = '192.168.1.0'), /network address of 192\.168\.1\.0\/24/],
  ['agents.0.ip', (c) => (c.agents[0]!.ip = '192.168.1.255'), /broadcast address/],
  ['server.ip', (c) => (c.server.ip = '192.168.1.23'), /already used by this computer/],
  ['server.ip', (c) => (c.server.ip = '192.168.1.1'), /already used by the default route/],
  ['agents.1.ip', (c) => (c.agents[1]!.ip = '192.168.1.111'), /already used by Agent agent1 IP/],
  ['server.ip', (c) => (c.server.ip = '192.168.1.300'), /must be an IPv4 address/],
  ['server.name', (c) => (c.server.name = '-multi'), /must be a host name/],
  ['server.name', (c) => (c.server.name = `${'a'.repeat(40)}.${'b'.repeat(30)}`), /at most 63 characters: Kubernetes labels the node/],
  ['agents.0.name', (c) => (c.agents[0]!.name = 'agent_1'), /letters, digits or hyphens/],
  ['agents.1.name', (c) => (c.agents[1]!.name = 'AGENT1'), /already used by agent 1/],
  ['agents.0.name', (c) => (c.agents[0]!.name = 'multi'), /already used by the server/],
  ['agents.0.name', (c) => (c.agents[0]!.name = 'db'), /Vagrant takes a name of only 0-9 and a-f for the id of another project's machine/],
  ['agents.1.name', (c) => (c.agents[1]!.name = '42'), /must have a letter from g to z or a hyphen/],
  ['network.subnet', (c) => (c.network.subnet = '192.168.1.110/32'), /single address, too small .* \/30 or larger/],
  ['network.subnet', (c) => (c.network.subnet = '192.168.1.110/31'), /point-to-point .* \/30 or larger/],
  ['network.subnet', (c) => (c.network.subnet = '10.0.0.0/7'), /^Subnet 10\.0\.0\.0\/7 is wider than any LAN .* from a \/8 to a \/30/],
  ['network.dns', (c) => (c.network.dns = []), /at least one DNS server/],
  ['network.dns.1', (c) => (c.network.dns = ['1.1.1.1', 'dns.google']), /DNS server must be an IPv4 address/],
];

describe('lab schema: the network rules', () => {
  it('accepts the suggested plan', () => {
    expect(validateLab(lab())).toMatchObject({ ok: true });
  });

  it.each(fieldCases)('%s: names the field and what would be valid (%#)', (path, change, expected) => {
    const message = issueFor(path, change);
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  it('refuses a subnet too small for the lab and says how many agents fit', () => {
    const onSlash29 = (c: LabConfig) => {
      c.network = { ...c.network, subnet: '192.168.1.0/29', hostIp: '192.168.1.2' };
      c.server.ip = '192.168.1.3';
      c.agents = ['4', '5', '6', '7'].map((n, i) => ({ name: `agent${i + 1}`, ip: `192.168.1.${n}` }));
    };
    expect(issueFor('network.subnet', onSlash29)).toBe(
      'Subnet 192.168.1.0/29 has 6 usable addresses (192.168.1.1 to 192.168.1.6); the router, the server and 4 agents besides this computer need 6. Use at most 3 agents or a larger subnet.',
    );
    expect(validateLab(lab((c) => (onSlash29(c), c.agents.pop())))).toMatchObject({ ok: true });
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
});
