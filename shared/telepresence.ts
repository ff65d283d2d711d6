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
/** Whether `version` is `floor` or later (major.minor.patch; a pre-release counts as its release). */
export const versionAtLeast = (version: string, floor: string) => {
  const [a, b] = [versionParts(version), versionParts(floor)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
};

/** Whether a client of this version acts on `routing.recursionBlockDuration`: 2.21 to 2.26; null when the version is not known. */
export function recursionBlockHonoured(version: string | null): boolean | null {
  if (!version) return null;
  return versionAtLeast(version, RECURSION_BLOCK_SINCE) && !versionAtLeast(version, ROUTE_CONTROLLER_SINCE);
}

/** Whether this client can install the route controller into a cluster (2.27 and later); null when not known. */
export function routeControllerAvailable(version: string | null): boolean | null {
  return version ? versionAtLeast(version, ROUTE_CONTROLLER_SINCE) : null;
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
  /** The cluster-side fix: whether this client can install it (2.27 and later); null when not known. */
  routeController: { available: boolean | null };
  /**
   * The system-wide config files the installed client reads before the user's (each later one
   * overriding the one before; none when no client is found), and the recursion block the last one
   * that sets it sets (path and value null when none does). The user's file overrides them all.
   */
  system: { paths: string[]; path: string | null; recursionBlockDuration: string | null };
  vif: VifState;
}

/** Go's unitMap (src/time/format.go): a unit is everything between a number and the next digit or dot. */
const unitNanos: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const LIMIT = 1n << 63n;
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

export type GoDuration = { nanos: bigint } | { error: 'invalid' | 'missing unit' | 'unknown unit' | 'overflow' };

/**
 * Go's `time.ParseDuration`, rule for rule (src/time/format.go: ParseDuration, leadingInt,
 * leadingFraction): an optional sign, then one or more number+unit pairs, a number being digits
 * with an optional fraction; "0" alone is zero; the total must fit int64 nanoseconds
 * (2562047h47m16.854775807s, or one more for a negative value). Telepresence reads
 * `routing.recursionBlockDuration` into a time.Duration through it (pkg/client/config.go, Routing:
 * YAML to JSON, then go-json-experiment's time.Duration arshaler, arshal_time.go, which calls
 * time.ParseDuration), so a value this refuses makes Telepresence refuse the whole config file.
 */
export function parseGoDuration(text: string): GoDuration {
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { nanos: 0n };
  if (s === '') return { error: 'invalid' };
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return { error: 'invalid' };
    let i = 0;
    let whole = 0n;
    for (; isDigit(s[i]); i++) {
      // leadingInt: more than 2^63 is an overflow, not a longer number.
      if (whole > LIMIT / 10n) return { error: 'overflow' };
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > LIMIT) return { error: 'overflow' };
    }
    const before = i > 0;
    s = s.slice(i);
    let fraction = 0n;
    let scale = 1;
    let after = false;
    if (s[0] === '.') {
      s = s.slice(1);
      // leadingFraction: digits past what fits only stop adding precision.
      let overflow = false;
      for (i = 0; isDigit(s[i]); i++) {
        if (overflow) continue;
        if (fraction > (LIMIT - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const next = fraction * 10n + BigInt(s.charCodeAt(i) - 48);
        if (next > LIMIT) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      after = i > 0;
      s = s.slice(i);
    }
    if (!before && !after) return { error: 'invalid' };
    for (i = 0; i < s.length && !(s[i] === '.' || isDigit(s[i])); i++);
    if (i === 0) return { error: 'missing unit' };
    const unit = unitNanos[s.slice(0, i)];
    s = s.slice(i);
    if (unit === undefined) return { error: 'unknown unit' };
    if (whole > LIMIT / unit) return { error: 'overflow' };
    let value = whole * unit;
    if (fraction > 0n) {
      // Go adds the fraction in float64 and truncates, as here.
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > LIMIT) return { error: 'overflow' };
    }
    total += value;
    if (total > LIMIT) return { error: 'overflow' };
  }
  if (negative) return { nanos: -total };
  if (total > LIMIT - 1n) return { error: 'overflow' };
  return { nanos: total };
}

/** The longest duration Go can hold, as Go prints it (time.Duration(math.MaxInt64).String()). */
export const MAX_GO_DURATION = '2562047h47m16.854775807s';

/** The message for a bad value, naming the field and giving examples; null when the value is fine. */
export function recursionBlockDurationIssue(value: string): string | null {
  const text = value.trim();
  const examples = 'such as 1ms (the usual value), 500us, 2s or 1m30s';
  if (!text) return `routing.recursionBlockDuration is empty: give a Go duration ${examples}.`;
  const parsed = parseGoDuration(text);
  if ('error' in parsed) {
    if (parsed.error === 'overflow')
      return `routing.recursionBlockDuration "${text}" is longer than Go (and so Telepresence) can hold: give at most ${MAX_GO_DURATION} (about 106,751 days), ${examples}.`;
    return `routing.recursionBlockDuration "${text}" is not a Go duration: write a number followed by ns, us, ms, s, m or h, ${examples}.`;
  }
  if (parsed.nanos <= 0n) return `routing.recursionBlockDuration must be longer than zero, ${examples}; to turn the block off, remove the setting.`;
  return null;
}
