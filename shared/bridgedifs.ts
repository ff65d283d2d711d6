/**
 * `VBoxManage list bridgedifs`: the host interfaces VirtualBox offers for bridging, and the names
 * it wants as `bridge:`. Vagrant reads the same output (blocks split on blank lines, `Key: value`
 * lines), drops the interfaces whose Status is Down or Unknown and compares `bridge:` to `Name:`
 * case-insensitively; a name that matches none of the rest makes it take the only one left without
 * asking, or ask among several (see bridgeProblem), so the name has to be VirtualBox's own.
 * Linux reports the kernel name (`wlp5s0`), macOS `en0: Wi-Fi (AirPort)`, Windows the adapter
 * description (`Intel(R) Ethernet Connection I217-V`).
 */
import { parseIPv4, prefixFromNetmask } from './lab/net';

export interface BridgedIf {
  name: string;
  ipv4: string | null;
  prefixLength: number | null;
  mac: string | null;
  /** `Wireless:` is printed by VirtualBox 5.1 and later only. */
  wireless: boolean | null;
  /** `Up`, `Down` or `Unknown`. */
  status: string;
}

const emptyMac = /^(0{1,2}[:-]){5}0{1,2}$/;

/** A MAC in one spelling (lower case, colons, two digits a part) so `0:1c:42:…` meets `00-1C-42-…`. */
export function normalizeMac(mac: string | null | undefined): string | null {
  if (!mac) return null;
  const parts = mac.trim().toLowerCase().split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{1,2}$/.test(p))) return null;
  const normal = parts.map((p) => p.padStart(2, '0')).join(':');
  return emptyMac.test(normal) ? null : normal;
}

export function parseBridgedifs(output: string): BridgedIf[] {
  const blocks = output.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  const result: BridgedIf[] = [];
  for (const block of blocks) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const match = /^([A-Za-z0-9]+):\s*(.*?)\s*$/.exec(line);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!);
    }
    const name = fields.get('name');
    if (!name) continue;
    const ip = fields.get('ipaddress') ?? '';
    const hasIp = parseIPv4(ip) !== null && ip !== '0.0.0.0';
    const wireless = fields.get('wireless');
    result.push({
      name,
      ipv4: hasIp ? ip : null,
      prefixLength: hasIp ? prefixFromNetmask(fields.get('networkmask') ?? '') : null,
      mac: normalizeMac(fields.get('hardwareaddress')),
      wireless: wireless === undefined ? null : /^yes$/i.test(wireless),
      status: fields.get('status') || 'Unknown',
    });
  }
  return result;
}

/** The host NIC as matching sees it. `description` is Windows' adapter description (systeminformation's `ifaceName`). */
export interface NicIdentity {
  name: string;
  description: string;
  mac: string | null;
  ipv4: string | null;
}

/**
 * The bridgedifs entry for a host NIC: by name (macOS prefixes its label with the BSD name and a
 * colon), then by MAC, then by IPv4 address. Null when VirtualBox does not offer the NIC.
 */
export function matchBridgedIf(nic: NicIdentity, entries: BridgedIf[]): BridgedIf | null {
  const lower = (s: string) => s.trim().toLowerCase();
  const names = [nic.name, nic.description].filter(Boolean).map(lower);
  const byName = entries.find((e) => {
    const entry = lower(e.name);
    return names.includes(entry) || names.some((n) => entry.startsWith(`${n}:`));
  });
  if (byName) return byName;
  const mac = normalizeMac(nic.mac);
  const byMac = mac ? entries.filter((e) => e.mac === mac) : [];
  if (byMac.length === 1) return byMac[0]!;
  if (nic.ipv4) return entries.find((e) => e.ipv4 === nic.ipv4) ?? null;
  return null;
}

/** What VirtualBox will most likely call the NIC when it is not installed to say. */
export function guessBridgeName(nic: { name: string; description: string; wireless: boolean }, platform: string): string {
  if (platform === 'win32') return nic.description || nic.name;
  if (platform === 'darwin') return `${nic.name}: ${nic.wireless ? 'Wi-Fi' : 'Ethernet'}`;
  return nic.name;
}

/**
 * The bridges Vagrant will consider: it drops every interface VirtualBox reports as Down or Unknown
 * before it matches `bridge:` (vagrant 2.3.4 plugins/providers/virtualbox/action/network.rb,
 * bridged_adapter: `bridgedifs.delete_if { |i| i[:status] == "Down" || i[:status] == "Unknown" }`).
 */
export function usableBridges(entries: BridgedIf[]): BridgedIf[] {
  return entries.filter((entry) => entry.status !== 'Down' && entry.status !== 'Unknown');
}

/**
 * What Vagrant does when the lab's bridge is not among the usable ones (vagrant 2.3.4
 * plugins/providers/virtualbox/action/network.rb, bridged_adapter): it prints "Specific bridge ...
 * not found" and falls back to choosing. One usable interface left: it bridges onto that one
 * without asking (`if bridgedifs.length == 1`), so the lab would come up on another network. More:
 * it lists them and asks, which ends in UIExpectsTTY without a terminal (lib/vagrant/ui.rb). None:
 * it asks all the same, for a number in an empty range that no answer satisfies.
 */
function vagrantFallback(usable: BridgedIf[]): string {
  if (usable.length === 1) return `bridge the VMs onto ${usable[0]!.name}, the only usable one, without asking`;
  if (usable.length === 0) return 'ask which interface to bridge onto with none to choose from';
  return 'stop and ask which interface to bridge onto, and fail without a terminal to answer';
}

/**
 * Why Vagrant would not take the lab's bridge, or null when it would: the job is refused before
 * Vagrant can ask, or quietly bridge onto another interface. Names match as Vagrant matches them,
 * case-insensitively.
 */
export function bridgeProblem(bridge: string, entries: BridgedIf[]): { message: string; hint: string } | null {
  const usable = usableBridges(entries);
  const same = (entry: BridgedIf) => entry.name.toLowerCase() === bridge.toLowerCase();
  if (usable.some(same)) return null;
  const known = entries.find(same);
  const message = known
    ? `VirtualBox reports the lab's bridge "${known.name}" as ${known.status}, and Vagrant skips such interfaces: it would ${vagrantFallback(usable)}.`
    : `VirtualBox offers no bridge called "${bridge}": Vagrant would ${vagrantFallback(usable)}.`;
  const choices = usable.length
    ? `Bridges VirtualBox offers now: ${usable.map((entry) => `${entry.name}${entry.ipv4 ? ` (${entry.ipv4})` : ''}`).join(', ')}.`
    : 'VirtualBox offers no bridge that is up now: connect this computer to the LAN first.';
  const fix = known
    ? `Connect ${known.name} (cable or Wi-Fi) and try again, or pick another interface in the Network step (or \`cluster-lab render --bridge NAME\`).`
    : 'Pick the interface in the Network step (or `cluster-lab render --bridge NAME`), then write the lab again.';
  return { message, hint: `${choices} ${fix}` };
}
