/** Telepresence client-side recursion guard: the model shared by main and the panel. */
import type { ToolInfo } from './host';

/** Telepresence reads its client config when it connects: a change waits for the next connect. */
export const RECONNECT_HINT =
  'Telepresence reads config.yml when it connects: run `telepresence quit`, then `telepresence connect`, for the change to take effect.';

/** The seed's value: a 1ms block per IP:PORT is enough to break the loop. */
export const DEFAULT_RECURSION_BLOCK = '1ms';
/** The release that added `routing.recursionBlockDuration` to the client config (2024-12-13). */
export const RECURSION_BLOCK_SINCE = '2.21.0';
/**
 * The release that added the cluster-side route-controller DaemonSet (Helm `routeController.enabled=true`)
 * and stopped honouring the client setting: telepresenceio/telepresence#4062 removed the
 * recursion-block logic and keeps `recursionBlockDuration` only so old config files still parse,
 * with a deprecation warning (its client config now reads "deprecated, unused; the route-controller
 * DaemonSet replaces these").
 */
export const ROUTE_CONTROLLER_SINCE = '2.27.0';

const versionParts = (version: string) =>
  version
    .replace(/^v/, '')
    .split(/[.-]/)
    .slice(0, 3)
    .map((part) => Number.parseInt(part, 10) || 0);
const atLeast = (version: string, floor: string) => {
  const [a, b] = [versionParts(version), versionParts(floor)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
};

/** Whether a client of this version acts on `routing.recursionBlockDuration`: 2.21 to 2.26; null when the version is not known. */
export function recursionBlockHonoured(version: string | null): boolean | null {
  if (!version) return null;
  return atLeast(version, RECURSION_BLOCK_SINCE) && !atLeast(version, ROUTE_CONTROLLER_SINCE);
}

/** Whether this client can install the route controller into a cluster (2.27 and later); null when not known. */
export function routeControllerAvailable(version: string | null): boolean | null {
  return version ? atLeast(version, ROUTE_CONTROLLER_SINCE) : null;
}

export interface VifState {
  /** true/false when the OS says for sure; null when it cannot be told (macOS utun*). */
  up: boolean | null;
  /** The interfaces that look like Telepresence's VIF. */
  interfaces: string[];
  /** One sentence for a person: what was seen and how sure it is. */
  note: string;
}

export interface TelepresenceState {
  /** The client config file that would be read or written. */
  path: string;
  exists: boolean;
  /** `routing.recursionBlockDuration` as written in the file, or null when not set. */
  recursionBlockDuration: string | null;
  /** Where a backup of the previous version was written, after a change. */
  backupPath?: string | null;
  /** After a write: whether the file changed (a running Telepresence reads it only when it connects). */
  written?: boolean;
  /** Why the file cannot be read or changed (not YAML, not a mapping); null when it is fine. */
  problem: string | null;
  /** The telepresence binary and its version. */
  binary: ToolInfo;
  /** Whether that version acts on the setting (2.21 to 2.26); null when it is not installed or its version is unknown. */
  recursionBlockHonoured: boolean | null;
  /**
   * The cluster-side fix: whether this client can install it (2.27 and later); whether a cluster has
   * it is not asked here (null).
   */
  routeController: { available: boolean | null; installed: boolean | null };
  /** The value a system-wide config.yml sets (Linux: $XDG_CONFIG_DIRS, default /etc/xdg); the user's file overrides it. */
  system: { path: string; recursionBlockDuration: string } | null;
  vif: VifState;
}

const unitNanos: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const durationPart = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** A Go `time.ParseDuration` string in nanoseconds (`1ms`, `1m30s`, `1.5s`); null when Go would refuse it. Signs are not accepted. */
export function parseGoDuration(text: string): number | null {
  if (text === '0') return 0;
  durationPart.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  while (consumed < text.length) {
    const match = durationPart.exec(text);
    if (!match) return null;
    total += Number(match[1]) * unitNanos[match[2]!]!;
    consumed = durationPart.lastIndex;
  }
  return consumed > 0 ? total : null;
}

/** The message for a bad value, naming the field and giving examples; null when the value is fine. */
export function recursionBlockDurationIssue(value: string): string | null {
  const text = value.trim();
  const examples = 'such as 1ms (the usual value), 500us, 2s or 1m30s';
  if (!text) return `routing.recursionBlockDuration is empty: give a Go duration ${examples}.`;
  const nanos = parseGoDuration(text);
  if (nanos === null)
    return `routing.recursionBlockDuration "${text}" is not a Go duration: write a number followed by ns, us, ms, s, m or h, ${examples}.`;
  if (nanos <= 0) return `routing.recursionBlockDuration must be longer than zero, ${examples}; to turn the block off, remove the setting.`;
  return null;
}
