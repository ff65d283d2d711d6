import { beforeEach, describe, expect, it } from 'vitest';
import { bridgeProblem, guessBridgeName, matchBridgedIf, normalizeMac, parseBridgedifs, usableBridges } from './bridgedifs';

// The layout VBoxManage prints (field names padded to one column, blocks split by a blank line),
// with made-up addresses: Linux lists kernel names, macOS `en0: Wi-Fi (AirPort)`, Windows the
// adapter description, with CRLF line ends. Older releases print `Dhcp:` and no `Wireless:`.
const linux = `Name:            wlp5s0
GUID:            35706c77-0000-4000-8000-a0a8cdc5c16e
DHCP:            Disabled
IPAddress:       192.168.1.23
NetworkMask:     255.255.255.0
IPV6Address:     fe80:0000:0000:0000:a2a8:cdff:fec5:c16e
IPV6NetworkMaskPrefixLength: 64
HardwareAddress: a0:a8:cd:c5:c1:6e
MediumType:      Ethernet
Wireless:        Yes
Status:          Up
VBoxNetworkName: HostInterfaceNetworking-wlp5s0

Name:            enp0s31f6
GUID:            30706e65-0000-4000-8000-74d435ef7b3d
DHCP:            Disabled
IPAddress:       0.0.0.0
NetworkMask:     0.0.0.0
IPV6Address:
IPV6NetworkMaskPrefixLength: 0
HardwareAddress: 74:d4:35:ef:7b:3d
MediumType:      Ethernet
Wireless:        No
Status:          Down
VBoxNetworkName: HostInterfaceNetworking-enp0s31f6

`;

const macos = `Name:            en0: Wi-Fi (AirPort)
GUID:            00306e65-0000-4000-8000-3c22fb0e6181
DHCP:            Disabled
IPAddress:       10.0.0.229
NetworkMask:     255.255.248.0
IPV6Address:
IPV6NetworkMaskPrefixLength: 0
HardwareAddress: 3c:22:fb:e:61:81
MediumType:      Ethernet
Wireless:        Yes
Status:          Up
VBoxNetworkName: HostInterfaceNetworking-en0

Name:            en5: USB Ethernet(?)
GUID:            00356e65-0000-4000-8000-acde48001122
DHCP:            Disabled
IPAddress:       0.0.0.0
NetworkMask:     0.0.0.0
IPV6Address:
IPV6NetworkMaskPrefixLength: 0
HardwareAddress: ac:de:48:00:11:22
MediumType:      Ethernet
Wireless:        No
Status:          Up
VBoxNetworkName: HostInterfaceNetworking-en5

Name:            bridge100
GUID:            00000000-0000-0000-0000-000000000003
DHCP:            Disabled
IPAddress:       192.168.61.1
NetworkMask:     255.255.255.0
IPV6Address:
IPV6NetworkMaskPrefixLength: 0
HardwareAddress: 3e:22:fb:aa:bb:64
MediumType:      Ethernet
Wireless:        No
Status:          Up
VBoxNetworkName: HostInterfaceNetworking-bridge100
`;

const windows = [
  'Name:            Intel(R) Ethernet Connection I217-V',
  'GUID:            4b8796d6-a4ed-4752-8e8e-bf23984fd93c',
  'Dhcp:            Enabled',
  'IPAddress:       192.168.1.19',
  'NetworkMask:     255.255.255.0',
  'IPV6Address:     fe80:0000:0000:0000:31c2:0053:4f50:4e64',
  'IPV6NetworkMaskPrefixLength: 64',
  'HardwareAddress: bc:5f:f4:ba:cc:16',
  'MediumType:      Ethernet',
  'Status:          Up',
  'VBoxNetworkName: HostInterfaceNetworking-Intel(R) Ethernet Connection I217-V',
  '',
  'Name:            TeamViewer VPN Adapter',
  'GUID:            6157c7b4-64e5-44fe-b367-84309e5bbaf0',
  'Dhcp:            Enabled',
  'IPAddress:       169.254.84.20',
  'NetworkMask:     255.255.0.0',
  'HardwareAddress: 00:ff:1a:2b:3c:4d',
  'MediumType:      Ethernet',
  'Status:          Down',
  'VBoxNetworkName: HostInterfaceNetworking-TeamViewer VPN Adapter',
  '',
].join('\r\n');

describe('parseBridgedifs', () => {
  it('reads Linux output: kernel names, addresses, wireless and status', () => {
    expect(parseBridgedifs(linux)).toEqual([
      { name: 'wlp5s0', ipv4: '192.168.1.23', prefixLength: 24, mac: 'a0:a8:cd:c5:c1:6e', wireless: true, status: 'Up' },
      { name: 'enp0s31f6', ipv4: null, prefixLength: null, mac: '74:d4:35:ef:7b:3d', wireless: false, status: 'Down' },
    ]);
  });

  it('keeps the macOS name whole, colon and label included, and pads short MAC parts', () => {
    const entries = parseBridgedifs(macos);
    expect(entries.map((e) => e.name)).toEqual(['en0: Wi-Fi (AirPort)', 'en5: USB Ethernet(?)', 'bridge100']);
    expect(entries[0]).toMatchObject({ ipv4: '10.0.0.229', prefixLength: 21, mac: '3c:22:fb:0e:61:81', wireless: true });
  });

  it('reads Windows output with CRLF, the older Dhcp spelling and no Wireless line', () => {
    const entries = parseBridgedifs(windows);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual({
      name: 'Intel(R) Ethernet Connection I217-V',
      ipv4: '192.168.1.19',
      prefixLength: 24,
      mac: 'bc:5f:f4:ba:cc:16',
      wireless: null,
      status: 'Up',
    });
    expect(entries[1]!.status).toBe('Down');
  });

  it('reads a block with odd spacing, a bare CR or no address, and skips one without a name', () => {
    const odd =
      'Name: eth1\rIPAddress:10.1.2.3\rNetworkMask: 255.255.0.0\rWireless: yes\rStatus:\r\r  Name: not-a-field\nGUID: 1\n\nName:   tap0   \nWireless: Yes please\nIPAddress: 999.1.1.1';
    expect(parseBridgedifs(odd)).toEqual([
      { name: 'eth1', ipv4: '10.1.2.3', prefixLength: 16, mac: null, wireless: true, status: 'Unknown' },
      { name: 'tap0', ipv4: null, prefixLength: null, mac: null, wireless: false, status: 'Unknown' },
    ]);
  });

  it('returns nothing for empty output', () => {
    expect(parseBridgedifs('')).toEqual([]);
    expect(parseBridgedifs('\n\n')).toEqual([]);
  });
});

describe('matchBridgedIf', () => {
  it('matches a Linux NIC by its kernel name', () => {
    expect(matchBridgedIf({ name: 'wlp5s0', description: 'wlp5s0', mac: null, ipv4: null }, parseBridgedifs(linux))?.name).toBe('wlp5s0');
  });

  it("matches a macOS NIC by the BSD name before VirtualBox's label", () => {
    expect(matchBridgedIf({ name: 'en0', description: 'en0', mac: null, ipv4: null }, parseBridgedifs(macos))?.name).toBe('en0: Wi-Fi (AirPort)');
  });

  it('matches a Windows NIC by its adapter description, else by MAC, else by address', () => {
    const entries = parseBridgedifs(windows);
    const description = 'Intel(R) Ethernet Connection I217-V';
    expect(matchBridgedIf({ name: 'Ethernet', description, mac: null, ipv4: null }, entries)?.name).toBe(description);
    expect(matchBridgedIf({ name: 'Ethernet', description: 'renamed', mac: 'BC-5F-F4-BA-CC-16', ipv4: null }, entries)?.name).toBe(description);
    expect(matchBridgedIf({ name: 'Ethernet', description: 'renamed', mac: null, ipv4: '192.168.1.19' }, entries)?.name).toBe(description);
  });

  it('matches names case-insensitively and whole, or as the part before a colon', () => {
    const entries = parseBridgedifs(macos);
    expect(matchBridgedIf({ name: ' EN0 ', description: '', mac: null, ipv4: null }, entries)?.name).toBe('en0: Wi-Fi (AirPort)');
    expect(matchBridgedIf({ name: 'en', description: '', mac: null, ipv4: null }, entries)).toBeNull();
    expect(matchBridgedIf({ name: 'BRIDGE100', description: '', mac: null, ipv4: null }, entries)?.name).toBe('bridge100');
    // Either of the two names may be the one VirtualBox uses.
    expect(matchBridgedIf({ name: 'Wi-Fi', description: 'en5', mac: null, ipv4: null }, entries)?.name).toBe('en5: USB Ethernet(?)');
  });

  it('matches by MAC only when one entry has it, and by address only when the NIC has one', () => {
    const twin = { name: 'a', ipv4: null, prefixLength: null, mac: '02:00:00:00:00:01', wireless: null, status: 'Up' };
    const entries = [twin, { ...twin, name: 'b' }, { ...twin, name: 'c', mac: null, ipv4: '10.0.0.9' }];
    expect(matchBridgedIf({ name: 'x', description: '', mac: '02:00:00:00:00:01', ipv4: null }, entries)).toBeNull();
    expect(matchBridgedIf({ name: 'x', description: '', mac: '02:00:00:00:00:01', ipv4: '10.0.0.9' }, entries)?.name).toBe('c');
    expect(matchBridgedIf({ name: 'x', description: '', mac: null, ipv4: null }, [{ ...twin, ipv4: null, mac: null }])).toBeNull();
  });

  it('returns null for a NIC VirtualBox does not offer', () => {
    expect(matchBridgedIf({ name: 'tel0', description: 'tel0', mac: null, ipv4: '100.64.0.1' }, parseBridgedifs(linux))).toBeNull();
  });
});

describe('normalizeMac and guessBridgeName', () => {
  it('spells MACs one way and drops the all-zero one', () => {
    expect(normalizeMac('0:1C:42:a:b:c')).toBe('00:1c:42:0a:0b:0c');
    expect(normalizeMac('00-1C-42-0A-0B-0C')).toBe('00:1c:42:0a:0b:0c');
    expect(normalizeMac('00:00:00:00:00:00')).toBeNull();
    expect(normalizeMac('xx:xx:xx:xx:xx:01')).toBeNull();
    expect(normalizeMac(' 0-0-0-0-0-0 ')).toBeNull();
    expect(normalizeMac(' 00:1C:42:0A:0B:0C\n')).toBe('00:1c:42:0a:0b:0c');
    expect(normalizeMac('00:00:00:00:00:01')).toBe('00:00:00:00:00:01');
    expect(normalizeMac('01:00:00:00:00:00')).toBe('01:00:00:00:00:00');
    expect(normalizeMac('00:00:00:00:00:00:00')).toBeNull();
    expect(normalizeMac('00:00:00:00:00')).toBeNull();
    expect(normalizeMac('100:1c:42:0a:0b:0c')).toBeNull();
    expect(normalizeMac('00:1c:42:0a:0b:0cc')).toBeNull();
    expect(normalizeMac(null)).toBeNull();
    expect(normalizeMac('')).toBeNull();
  });

  it('guesses the name each platform uses', () => {
    expect(guessBridgeName({ name: 'wlp5s0', description: 'wlp5s0', wireless: true }, 'linux')).toBe('wlp5s0');
    expect(guessBridgeName({ name: 'en0', description: 'en0', wireless: true }, 'darwin')).toBe('en0: Wi-Fi');
    expect(guessBridgeName({ name: 'en5', description: 'en5', wireless: false }, 'darwin')).toBe('en5: Ethernet');
    expect(guessBridgeName({ name: 'Ethernet', description: '', wireless: false }, 'win32')).toBe('Ethernet');
    expect(guessBridgeName({ name: 'Ethernet', description: 'Realtek PCIe GbE Family Controller', wireless: false }, 'win32')).toBe(
      'Realtek PCIe GbE Family Controller',
    );
  });
});

describe('the bridge Vagrant will take (bridgeProblem)', () => {
  const unknown = { name: 'eth9', ipv4: null, prefixLength: null, mac: null, wireless: false, status: 'Unknown' };
  // Built per test, not while the file is collected: a broken parser then fails these tests, not the file.
  let entries: ReturnType<typeof parseBridgedifs>;
  beforeEach(() => {
    entries = [...parseBridgedifs(linux), unknown];
  });

  it('takes an Up bridge, matched case-insensitively as Vagrant matches it', () => {
    expect(bridgeProblem('wlp5s0', entries)).toBeNull();
    expect(bridgeProblem('WLP5S0', entries)).toBeNull();
    expect(bridgeProblem('en0: Wi-Fi (AirPort)', parseBridgedifs(macos))).toBeNull();
  });

  // vagrant 2.3.4 plugins/providers/virtualbox/action/network.rb, bridged_adapter: with the named
  // bridge gone and one usable interface left, `chosen_bridge = bridgedifs[0][:name]`, no question.
  it('refuses a bridge VirtualBox reports Down or Unknown: Vagrant drops those, and with one usable left takes it without asking', () => {
    expect(usableBridges(entries).map((e) => e.name)).toEqual(['wlp5s0']);
    const down = bridgeProblem('enp0s31f6', entries)!;
    expect(down.message).toBe(
      'VirtualBox reports the lab\'s bridge "enp0s31f6" as Down, and Vagrant skips such interfaces: it would bridge the VMs onto wlp5s0, the only usable one, without asking.',
    );
    expect(down.hint).toBe(
      'Bridges VirtualBox offers now: wlp5s0 (192.168.1.23). Connect enp0s31f6 (cable or Wi-Fi) and try again, or pick another interface in the Network step (or `cluster-lab render --bridge NAME`).',
    );
    expect(bridgeProblem('eth9', entries)!.message).toContain('as Unknown');
  });

  it('refuses a name VirtualBox does not list, naming the ones it does and how to pick', () => {
    const missing = bridgeProblem('en0', parseBridgedifs(macos))!;
    expect(missing.message).toBe(
      'VirtualBox offers no bridge called "en0": Vagrant would stop and ask which interface to bridge onto, and fail without a terminal to answer.',
    );
    expect(bridgeProblem('en0', [...parseBridgedifs(linux), unknown])!.message).toBe(
      'VirtualBox offers no bridge called "en0": Vagrant would bridge the VMs onto wlp5s0, the only usable one, without asking.',
    );
    // None usable: Vagrant still asks, for a number in an empty range, which no answer satisfies.
    expect(bridgeProblem('eth9', [unknown])!.message).toBe(
      'VirtualBox reports the lab\'s bridge "eth9" as Unknown, and Vagrant skips such interfaces: it would ask which interface to bridge onto with none to choose from.',
    );
    expect(missing.hint).toBe(
      'Bridges VirtualBox offers now: en0: Wi-Fi (AirPort) (10.0.0.229), en5: USB Ethernet(?), bridge100 (192.168.61.1). Pick the interface in the Network step (or `cluster-lab render --bridge NAME`), then write the lab again.',
    );
    expect(bridgeProblem('wlp5s0', [])!.hint).toBe(
      'VirtualBox offers no bridge that is up now: connect this computer to the LAN first. Pick the interface in the Network step (or `cluster-lab render --bridge NAME`), then write the lab again.',
    );
  });
});
