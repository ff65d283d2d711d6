/** The host NIC model and the rules that decide which NICs a lab may bridge onto. Pure. */
import type { BridgedIf } from './bridgedifs';

export type NicType = 'wired' | 'wireless' | 'virtual' | 'loopback' | 'unknown';

export interface Nic {
  /** The OS name: `wlp5s0`, `en0`, `Ethernet`. */
  name: string;
  /** What VirtualBox wants as `bridge:`: reported by VBoxManage when it is installed, else a guess. */
  bridgeName: string;
  bridgeNameSource: 'virtualbox' | 'guess';
  ipv4: string | null;
  prefixLength: number | null;
  mac: string | null;
  type: NicType;
  up: boolean;
  /** Link speed in Mbit/s when the OS reports it. */
  speedMbps: number | null;
  /** Holds the host's default route. */
  default: boolean;
  /** false when the NIC may be picked; otherwise the reason it may not. */
  excluded: false | string;
}

export interface NicReport {
  gateway: string | null;
  nics: Nic[];
  /** Addresses seen in the host's neighbour (ARP) table: taken on the LAN, never suggested. */
  neighbours: string[];
  /** When the report was read (ms since epoch): the UI says how fresh it is. */
  detectedAt: number;
  /** What VBoxManage answered to `list bridgedifs`; null when it could not be asked, and bridge names are guesses. */
  bridges: BridgedIf[] | null;
  /** What could not be read (VBoxManage failed, neighbour table unreadable), for a person. */
  notes: string[];
}

/** What the exclusion rules look at: the raw facts about one host interface. */
export interface NicFacts {
  name: string;
  ipv4: string | null;
  up: boolean;
  /** The OS marks it internal (loopback). */
  internal: boolean;
  /** systeminformation flags it virtual (it does not flag `tel0` or `utun3`, hence the name rules). */
  virtual: boolean;
  /**
   * The adapter's description, systeminformation's `ifaceName`. On Windows `iface` is the connection's
   * name ("Ethernet 10", "VPN"), which a user may change, and only this says what the adapter is
   * ("TAP-Windows Adapter V9 #7", "Wintun Userspace Tunnel"): systeminformation lib/network.js
   * networkInterfaces() sets ifaceName from the adapter's WMI name on win32.
   */
  description?: string;
}

/** Name rules, first match wins; each says why a lab must not bridge onto such a NIC. */
const virtualNameRules: { pattern: RegExp; platforms?: string[]; reason: string }[] = [
  { pattern: /^tel\d*$/i, platforms: ['linux', 'win32'], reason: "Telepresence's own VIF: bridging onto it is the loop the lab exists to avoid" },
  {
    pattern: /^utun\d*$/i,
    platforms: ['darwin'],
    reason: "a macOS tunnel (Telepresence's VIF or a VPN): bridging onto it is the loop the lab exists to avoid",
  },
  {
    pattern: /^vEthernet|Hyper-V|VirtualBox Host-Only|VMware|Npcap Loopback|WAN Miniport|Microsoft KM-TEST Loopback|Wi-Fi Direct Virtual/i,
    reason: 'a virtual adapter, not your LAN',
  },
  // Windows VPN adapters, by the description their drivers register.
  {
    pattern: /TAP-Windows|Wintun|WireGuard|OpenVPN|Tailscale|ZeroTier|AnyConnect|Fortinet|PANGP|GlobalProtect|Juniper|NordLynx|Cloudflare WARP/i,
    reason: 'a VPN tunnel: it does not lead to your LAN router',
  },
  { pattern: /^(tun|tap|wg|zt|utun|ppp|ipsec)/i, reason: 'a VPN tunnel: it does not lead to your LAN router' },
  { pattern: /^(docker|br-|veth|cni|flannel|cali|vxlan|kube|lxc|lxd|podman)/i, reason: 'a container network or bridge, not your LAN' },
  { pattern: /^(virbr|vboxnet|vmnet|vnic|bridge\d|awdl|llw|anpi|ap\d|p2p)/i, reason: 'a virtual or host-only network, not your LAN' },
];

/** false when a lab may bridge onto the NIC; otherwise the reason it may not, for a person. */
export function exclusionReason(facts: NicFacts, platform: string): false | string {
  if (facts.internal || /^lo\d*$/i.test(facts.name) || facts.ipv4?.startsWith('127.')) return 'loopback: it never leaves this computer';
  const names = [facts.name, ...(facts.description ? [facts.description] : [])];
  const rule = virtualNameRules.find((r) => names.some((name) => r.pattern.test(name)) && (!r.platforms || r.platforms.includes(platform)));
  if (rule) return rule.reason;
  if (facts.virtual) return 'a virtual adapter, not your LAN';
  if (!facts.up) return 'down: connect it (cable or Wi-Fi) and press Refresh';
  if (!facts.ipv4) return 'no IPv4 address: the lab needs an IPv4 LAN';
  if (facts.ipv4.startsWith('169.254.')) return 'only a self-assigned (169.254) address: no DHCP server or router answered on it';
  return false;
}

export const pickableNics = (report: Pick<NicReport, 'nics'>): Nic[] => report.nics.filter((nic) => nic.excluded === false);

/** The names a person may pass to `--nic`, for error messages. */
export function pickableNames(report: Pick<NicReport, 'nics'>): string {
  const names = pickableNics(report).map((nic) => nic.name);
  return names.length ? names.join(', ') : 'none (connect this computer to a LAN and try again)';
}
