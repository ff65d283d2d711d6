/**
 * The hosts-file line that lets this computer reach the server by name (`multi` in the seed), and
 * whether a hosts file already has it. Pure: the service reads the file, this reads the text.
 */

export type HostsState = 'present' | 'missing' | 'other-address';

export interface HostsCheck {
  /** The file a person edits: /etc/hosts, or the Windows one under System32. */
  path: string;
  /** The line to add, such as `192.168.1.110  multi`. */
  line: string;
  state: HostsState;
  /** Addresses the file maps the name to instead, when state is `other-address`. */
  otherAddresses: string[];
  /** Set when the file could not be read; state is then `missing`. */
  readError?: string;
}

export function hostsLine(ip: string, name: string): string {
  return `${ip}  ${name}`;
}

export function hostsFilePath(platform: string, systemRoot: string | undefined): string {
  return platform === 'win32' ? `${systemRoot ?? 'C:\\Windows'}\\System32\\drivers\\etc\\hosts` : '/etc/hosts';
}

/** Whether `text` maps `name` to `ip`, to another address, or not at all. Comments and case are ignored. */
export function hostsTextState(text: string, ip: string, name: string): { state: HostsState; otherAddresses: string[] } {
  const wanted = name.toLowerCase();
  const others = new Set<string>();
  let present = false;
  for (const raw of text.split(/\r?\n/)) {
    const [address, ...names] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || !names.some((n) => n.toLowerCase() === wanted)) continue;
    if (address === ip) present = true;
    else others.add(address);
  }
  if (present) return { state: 'present', otherAddresses: [] };
  return others.size ? { state: 'other-address', otherAddresses: [...others] } : { state: 'missing', otherAddresses: [] };
}
