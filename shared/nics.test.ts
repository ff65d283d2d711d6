import { describe, expect, it } from 'vitest';
import { exclusionReason, pickableNames, type NicFacts } from './nics';

const lan: NicFacts = { name: 'wlp5s0', ipv4: '192.168.1.23', up: true, internal: false, virtual: false };
const reason = (facts: Partial<NicFacts>, platform = 'linux') => exclusionReason({ ...lan, ...facts }, platform);

describe('exclusionReason', () => {
  it('lets a LAN NIC that is up with an IPv4 address be picked', () => {
    expect(reason({})).toBe(false);
    expect(reason({ name: 'en0' }, 'darwin')).toBe(false);
    expect(reason({ name: 'Ethernet 2' }, 'win32')).toBe(false);
  });

  it('refuses loopback, down NICs and NICs without a usable IPv4 address', () => {
    expect(reason({ name: 'lo', internal: true, ipv4: '127.0.0.1' })).toMatch(/^loopback/);
    expect(reason({ up: false })).toMatch(/^down/);
    expect(reason({ ipv4: null })).toMatch(/^no IPv4/);
    expect(reason({ ipv4: '169.254.10.20' })).toMatch(/self-assigned/);
  });

  it("refuses Telepresence's VIF by name, which systeminformation does not flag virtual", () => {
    expect(reason({ name: 'tel0' })).toMatch(/Telepresence/);
    expect(reason({ name: 'tel0' }, 'win32')).toMatch(/Telepresence/);
    expect(reason({ name: 'utun3' }, 'darwin')).toMatch(/Telepresence/);
  });

  it('refuses VPNs, container bridges and host-only networks by name', () => {
    for (const name of ['tun0', 'tap1', 'wg0', 'zt5u4y6', 'utun3']) expect(reason({ name }), name).toMatch(/VPN/);
    for (const name of ['docker0', 'br-1a2b3c', 'veth12ab', 'cni0', 'flannel.1']) expect(reason({ name }), name).toMatch(/container/);
    for (const name of ['virbr0', 'vboxnet0', 'vmnet8']) expect(reason({ name }), name).toMatch(/virtual or host-only/);
    expect(reason({ name: 'vEthernet (WSL)' }, 'win32')).toMatch(/virtual adapter/);
  });

  it('refuses whatever systeminformation flags as virtual', () => {
    expect(reason({ name: 'mystery0', virtual: true })).toMatch(/virtual adapter/);
  });
});

describe('pickableNames', () => {
  it('lists the NICs that may be picked, or says there are none', () => {
    const nic = { excluded: false as const, name: 'eth0' };
    expect(pickableNames({ nics: [nic, { ...nic, name: 'lo', excluded: 'loopback' }] as never })).toBe('eth0');
    expect(pickableNames({ nics: [] })).toMatch(/^none/);
  });
});
