/** The host NIC model and the rules that decide which NICs a lab may bridge onto. Pure. */

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
  /** Whether VBoxManage answered `list bridgedifs`: without it, bridge names are guesses. */
  virtualBoxSeen: boolean;
}
