/** IPv4 and subnet maths. Pure: addresses are unsigned 32-bit numbers inside, dotted quads outside. */

export function parseIPv4(text: string): number | null {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== null;
}

export interface Subnet {
  network: number;
  prefixLength: number;
  broadcast: number;
  /** First and last address a host may use (network and broadcast excluded). */
  firstUsable: number;
  lastUsable: number;
  /** Number of usable host addresses. */
  size: number;
}

export function subnetFromPrefix(address: number, prefixLength: number): Subnet {
  const hostBits = 32 - prefixLength;
  const blockSize = 2 ** hostBits;
  const network = address - (address % blockSize);
  const broadcast = network + blockSize - 1;
  return {
    network,
    prefixLength,
    broadcast,
    firstUsable: network + 1,
    lastUsable: broadcast - 1,
    size: Math.max(0, blockSize - 2),
  };
}

/** `192.168.1.0/24` (a host address with a prefix is accepted and normalised to its network). */
export function parseCidr(text: string): Subnet | null {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!match) return null;
  const address = parseIPv4(match[1]!);
  const prefixLength = Number(match[2]);
  if (address === null || prefixLength > 32) return null;
  return subnetFromPrefix(address, prefixLength);
}

export function formatCidr(subnet: Subnet): string {
  return `${formatIPv4(subnet.network)}/${subnet.prefixLength}`;
}

export function inSubnet(subnet: Subnet, address: number): boolean {
  return address >= subnet.network && address <= subnet.broadcast;
}

export function isUsableHost(subnet: Subnet, address: number): boolean {
  return address >= subnet.firstUsable && address <= subnet.lastUsable;
}

export function usableRangeText(subnet: Subnet): string {
  return `${formatIPv4(subnet.firstUsable)} to ${formatIPv4(subnet.lastUsable)}`;
}

/** Netmask such as 255.255.255.0 to a prefix length; null when the mask is not contiguous. */
export function prefixFromNetmask(mask: string): number | null {
  const value = parseIPv4(mask);
  if (value === null) return null;
  const bits = value.toString(2).padStart(32, '0');
  if (!/^1*0*$/.test(bits)) return null;
  return bits.indexOf('0') === -1 ? 32 : bits.indexOf('0');
}

/** A prefix length such as 16 to its netmask, 255.255.0.0: how Vagrant takes `netmask:`. */
export function netmaskFromPrefix(prefixLength: number): string {
  return formatIPv4(prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);
}
