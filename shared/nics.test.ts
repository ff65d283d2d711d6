import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exclusionReason, pickableNames, pickableNics, type NicFacts } from './nics';

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

describe('exclusionReason at the edges of its name rules', () => {
  const reasons = {
    loopback: 'loopback: it never leaves this computer',
    telepresence: "Telepresence's own VIF: bridging onto it is the loop the lab exists to avoid",
    macTunnel: "a macOS tunnel (Telepresence's VIF or a VPN): bridging onto it is the loop the lab exists to avoid",
    virtualAdapter: 'a virtual adapter, not your LAN',
    vpn: 'a VPN tunnel: it does not lead to your LAN router',
    container: 'a container network or bridge, not your LAN',
    hostOnly: 'a virtual or host-only network, not your LAN',
  };

  it('says each reason in full', () => {
    expect(reason({ name: 'lo' })).toBe(reasons.loopback);
    expect(reason({ name: 'tel2' })).toBe(reasons.telepresence);
    expect(reason({ name: 'utun4' }, 'darwin')).toBe(reasons.macTunnel);
    expect(reason({ name: 'vEthernet (Default Switch)' }, 'win32')).toBe(reasons.virtualAdapter);
    expect(reason({ name: 'Ethernet 4', description: 'WireGuard Tunnel' }, 'win32')).toBe(reasons.vpn);
    expect(reason({ name: 'wg0' })).toBe(reasons.vpn);
    expect(reason({ name: 'docker0' })).toBe(reasons.container);
    expect(reason({ name: 'vboxnet0' })).toBe(reasons.hostOnly);
    expect(reason({ name: 'eth0', virtual: true })).toBe(reasons.virtualAdapter);
    expect(reason({ up: false })).toBe('down: connect it (cable or Wi-Fi) and press Refresh');
    expect(reason({ ipv4: null })).toBe('no IPv4 address: the lab needs an IPv4 LAN');
    expect(reason({ ipv4: '169.254.1.1' })).toBe('only a self-assigned (169.254) address: no DHCP server or router answered on it');
  });

  it('takes loopback from the name, the OS flag or a 127/8 address, each alone', () => {
    for (const name of ['lo', 'lo0', 'LO12']) expect(reason({ name }), name).toBe(reasons.loopback);
    expect(reason({ name: 'eth0', internal: true })).toBe(reasons.loopback);
    expect(reason({ name: 'eth0', ipv4: '127.0.1.1' })).toBe(reasons.loopback);
    // Linux names Wi-Fi wlo1 and 6LoWPAN lowpan0: neither is loopback.
    for (const name of ['wlo1', 'lowpan0']) expect(reason({ name }), name).toBe(false);
    expect(reason({ name: 'eth0', ipv4: '10.0.127.1' })).toBe(false);
  });

  it("matches Telepresence's VIF by its whole name, on the platforms that name it tel", () => {
    for (const name of ['tel', 'tel0', 'TEL12']) expect(reason({ name }), name).toBe(reasons.telepresence);
    for (const name of ['hotel0', 'telco1', 'tel0a']) expect(reason({ name }), name).toBe(false);
    expect(reason({ name: 'tel0' }, 'darwin')).toBe(false);
    for (const name of ['utun', 'utun12']) expect(reason({ name }, 'darwin'), name).toBe(reasons.macTunnel);
    expect(reason({ name: 'utun3x' }, 'darwin')).toBe(reasons.vpn);
    expect(reason({ name: 'utun3' }, 'linux')).toBe(reasons.vpn);
    expect(reason({ name: 'myutun0' }, 'darwin')).toBe(false);
  });

  it('matches the VPN, container and host-only prefixes at the start of the name only', () => {
    for (const name of ['ethtun0', 'lan-docker', 'wlp-virbr', 'my vEthernet']) expect(reason({ name }, 'win32'), name).toBe(false);
    for (const name of ['bridge0', 'ap1', 'awdl0', 'p2p0']) expect(reason({ name }, 'darwin'), name).toBe(reasons.hostOnly);
    for (const name of ['bridgeA', 'apple']) expect(reason({ name }, 'darwin'), name).toBe(false);
  });
});

describe('pickableNames', () => {
  it('keeps only the NICs nothing rules out', () => {
    const nics = [
      { name: 'eth0', excluded: false },
      { name: 'lo', excluded: 'loopback' },
      { name: 'wlan0', excluded: false },
    ] as never;
    expect(pickableNics({ nics }).map((nic) => nic.name)).toEqual(['eth0', 'wlan0']);
  });

  it('lists the NICs that may be picked, or says there are none', () => {
    const nic = { excluded: false as const, name: 'eth0' };
    expect(pickableNames({ nics: [nic, { ...nic, name: 'lo', excluded: 'loopback' }] as never })).toBe('eth0');
    expect(pickableNames({ nics: [] })).toBe('none (connect this computer to a LAN and try again)');
    expect(pickableNames({ nics: [nic, { ...nic, name: 'wlan0' }] as never })).toBe('eth0, wlan0');
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
