import { readFileSync } from 'node:fs';
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

describe('Windows adapters, judged on their description as well as their name', () => {
  // `Get-NetAdapter` on a Windows 10 laptop with VMware, Npcap and OpenVPN, from a public PowerShell
  // how-to (fixtures/reference/windows-get-netadapter.txt). Name is what systeminformation calls
  // `iface`, InterfaceDescription its `ifaceName` (cut at 40 characters by PowerShell's table).
  const table = readFileSync(new URL('../fixtures/reference/windows-get-netadapter.txt', import.meta.url), 'utf8').split('\n');
  const at = (column: string) => table[0]!.indexOf(column);
  const rows = table
    .slice(2)
    .filter(Boolean)
    .map((row) => ({
      name: row.slice(0, at('InterfaceDescription')).trim(),
      description: row.slice(at('InterfaceDescription'), at('ifIndex')).trim(),
    }));
  // As if every one were connected with a LAN address: only what the adapter is may rule it out.
  const judge = (row: { name: string; description: string }, withDescription: boolean) =>
    exclusionReason(
      {
        name: row.name,
        ...(withDescription ? { description: row.description } : {}),
        ipv4: '192.168.1.20',
        up: true,
        internal: false,
        virtual: false,
      },
      'win32',
    );

  it('offers only the real NICs', () => {
    const offered = rows.filter((row) => judge(row, true) === false).map((row) => row.name);
    expect(offered).toEqual(['Ethernet', 'Wi-Fi']);
  });

  it('catches what the connection name hides: a loopback and OpenVPN TAP adapters named "Ethernet 3", "Ethernet 10" and "VPN"', () => {
    const hidden = ['Ethernet 3', 'Ethernet 10', 'VPN'].map((name) => rows.find((row) => row.name === name)!);
    expect(hidden.map((row) => judge(row, false))).toEqual([false, false, false]);
    expect(hidden.map((row) => judge(row, true))).toEqual([
      'a virtual adapter, not your LAN',
      'a VPN tunnel: it does not lead to your LAN router',
      'a VPN tunnel: it does not lead to your LAN router',
    ]);
  });

  it('rules out WireGuard, Tailscale and the other VPN drivers by their registered descriptions', () => {
    for (const description of [
      'Wintun Userspace Tunnel',
      'WireGuard Tunnel',
      'Tailscale Tunnel',
      'PANGP Virtual Ethernet Adapter',
      'Fortinet SSL VPN Virtual Ethernet Adapter',
    ])
      expect(judge({ name: 'office', description }, true)).toMatch(/VPN tunnel|virtual adapter/);
  });
});
