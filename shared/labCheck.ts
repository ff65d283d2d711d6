/**
 * The lab check: what each running node says of its own network, read by one fixed script over
 * `vagrant ssh`, and judged against the lab's promise: the only default route goes via the LAN
 * router on the bridged NIC, the resolvers are exactly the lab's DNS servers, the bridged NIC holds
 * the node's address with the LAN's prefix, nothing routes back towards the host's Telepresence VIF
 * through the NAT adapter, and Kubernetes knows the node by the lab's name and address. Pure, so the
 * renderer, the CLI and the tests judge the same way.
 */
import type { LabMachine } from './lab/machines';
import { formatCidr, formatIPv4, parseCidr, parseIPv4 } from './lab/net';
import type { LabConfig } from './lab/schema';

/** VirtualBox's NAT network as every guest sees it: the host is 10.0.2.2, its DNS proxy 10.0.2.3. */
export const NAT_GATEWAY = '10.0.2.2';
export const NAT_DNS = '10.0.2.3';

/**
 * The script each node runs, as the vagrant user (no sudo needed: all it does is read). Fixed text:
 * the only values it is given are the VIF target addresses, checked as IPv4 before they are put in.
 */
export function checkScript(targets: readonly string[]): string {
  for (const target of targets) if (parseIPv4(target) === null) throw new Error(`Not an IPv4 address: ${target}`);
  return [
    `set -- ${targets.join(' ')}`,
    'echo "@@default"; ip -4 route show default',
    'echo "@@addr"; ip -o -4 addr show',
    'echo "@@resolv-link"; readlink /etc/resolv.conf || true',
    'echo "@@resolv"; cat /etc/resolv.conf 2>/dev/null || true',
    'echo "@@links"; ip -o link show | while read -r idx name rest; do idx=${idx%:}; name=${name%:}; name=${name%@*}; f=/run/systemd/netif/links/$idx; [ -r "$f" ] && echo "$name $(sed -n "s/^DNS=//p" "$f")"; done; true',
    'echo "@@route-get"; for t in "$@"; do echo "$t $(ip -4 route get "$t" 2>&1 | head -n 1)"; done',
    'echo "@@end"',
  ].join('\n');
}

export interface NodeFacts {
  defaultRoutes: { via: string | null; dev: string }[];
  addresses: { dev: string; cidr: string; dynamic: boolean }[];
  /** Where /etc/resolv.conf points when it is a link (systemd-resolved's stub), else null. */
  resolvLink: string | null;
  nameservers: string[];
  /** The DNS servers networkd holds per link (what systemd-resolved asks). */
  linkDns: Record<string, string[]>;
  routeGet: { target: string; via: string | null; dev: string | null; error: string | null }[];
}

/** The script's output, section by section; null when it did not run to its end. */
export function parseCheckOutput(text: string): NodeFacts | null {
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    const marker = /^@@([a-z-]+)$/.exec(raw.trim());
    if (marker) {
      current = [];
      sections.set(marker[1]!, current);
      continue;
    }
    if (current && raw.trim()) current.push(raw.trim());
  }
  if (!sections.has('end')) return null;
  const field = (line: string, name: string) => new RegExp(`\\b${name} (\\S+)`).exec(line)?.[1] ?? null;
  const linkDns: Record<string, string[]> = {};
  for (const line of sections.get('links') ?? []) {
    const [name, ...servers] = line.split(/\s+/);
    if (name) linkDns[name] = servers.filter((s) => parseIPv4(s) !== null);
  }
  return {
    defaultRoutes: (sections.get('default') ?? []).map((line) => ({ via: field(line, 'via'), dev: field(line, 'dev') ?? '' })),
    addresses: (sections.get('addr') ?? []).flatMap((line) => {
      const match = /^\d+:\s+(\S+)\s+inet\s+(\S+)/.exec(line);
      return match ? [{ dev: match[1]!, cidr: match[2]!, dynamic: / dynamic /.test(line) }] : [];
    }),
    resolvLink: sections.get('resolv-link')?.[0] ?? null,
    nameservers: (sections.get('resolv') ?? []).flatMap((line) => /^nameserver\s+(\S+)/.exec(line)?.[1] ?? []),
    linkDns,
    routeGet: (sections.get('route-get') ?? []).map((line) => {
      const [target, ...rest] = line.split(' ');
      const text = rest.join(' ');
      const ok = /\bdev \S+/.test(text);
      return { target: target!, via: field(text, 'via'), dev: field(text, 'dev'), error: ok ? null : text || 'no answer' };
    }),
  };
}

export interface CheckRow {
  id: 'default-route' | 'dns' | 'address' | 'vif' | 'kubernetes' | 'reach';
  ok: boolean;
  detail: string;
}

export interface NodeCheck {
  machine: string;
  /** false: a check failed; null: the node was not checked (not running, or it did not answer). */
  ok: boolean | null;
  checks: CheckRow[];
}

export interface LabCheck {
  ok: boolean;
  checkedAt: string;
  nodes: NodeCheck[];
}

/** How Kubernetes knows a node: its name and InternalIP (kubectl get nodes), or why it could not be asked. */
export type KubeNode = { name: string; internalIp: string | null } | null;

const fix = 'run Provision (it rewrites the network configuration), or see the Run step’s log';

export function judgeNode(config: LabConfig, machine: LabMachine, facts: NodeFacts, kube: { nodes: KubeNode[] } | { error: string }): NodeCheck {
  const checks: CheckRow[] = [];
  const gateway = config.network.gateway;
  const prefix = parseCidr(config.network.subnet)?.prefixLength ?? null;
  const bridged = facts.addresses.find((a) => a.cidr.split('/')[0] === machine.ip);
  const iface = bridged?.dev ?? null;
  const natDevs = new Set(facts.addresses.filter((a) => a.cidr.startsWith('10.0.2.')).map((a) => a.dev));
  const name = (dev: string) => `${dev}${natDevs.has(dev) ? ' (NAT)' : ''}`;

  // The default route.
  const wrong = facts.defaultRoutes.filter((r) => r.via !== gateway || r.dev !== iface);
  if (facts.defaultRoutes.length === 0)
    checks.push({
      id: 'default-route',
      ok: false,
      detail: `No default route: the node cannot reach beyond the LAN. Expected via ${gateway} on ${iface ?? 'the bridged NIC'}; ${fix}.`,
    });
  else if (wrong.length)
    checks.push({
      id: 'default-route',
      ok: false,
      detail: `${wrong.map((r) => `default route via ${r.via ?? '(none)'} on ${name(r.dev)}`).join('; ')}: only via ${gateway} on ${iface ?? 'the bridged NIC'} keeps requests away from the host's VIF; ${fix}.`,
    });
  else checks.push({ id: 'default-route', ok: true, detail: `Only via ${gateway} on ${iface}.` });

  // The resolvers in effect: the links' DNS behind systemd-resolved's stub, else resolv.conf.
  const viaResolved = facts.resolvLink !== null && facts.resolvLink.includes('/run/systemd/resolve/');
  const resolvers = viaResolved ? [...new Set(Object.values(facts.linkDns).flat())] : facts.nameservers;
  const expected = config.network.dns;
  const same = resolvers.length === expected.length && resolvers.every((r) => expected.includes(r));
  checks.push({
    id: 'dns',
    ok: same,
    detail: same
      ? `${expected.join(', ')}${viaResolved ? ' (systemd-resolved, per link)' : ''}.`
      : `Resolvers ${resolvers.join(', ') || '(none)'}${resolvers.includes(NAT_DNS) ? ` (${NAT_DNS} is VirtualBox's NAT resolver)` : ''}, expected exactly ${expected.join(', ')}; ${fix}.`,
  });

  // The bridged address.
  const addressOk = bridged !== undefined && prefix !== null && bridged.cidr === `${machine.ip}/${prefix}`;
  checks.push({
    id: 'address',
    ok: addressOk,
    detail: addressOk
      ? `${bridged!.cidr} on ${bridged!.dev}.`
      : bridged
        ? `${bridged.cidr} on ${bridged.dev}: expected the LAN's prefix, ${machine.ip}/${prefix}; run Up again (Vagrant writes the address with the lab's netmask).`
        : `No interface holds ${machine.ip}: the bridged network did not come up; check the bridge in the Network step.`,
  });

  // The VIF's addresses must not go back towards the host over NAT.
  const back = facts.routeGet.filter((r) => r.error === null && (natDevs.has(r.dev ?? '') || r.via === NAT_GATEWAY));
  const unanswered = facts.routeGet.filter((r) => r.error !== null);
  checks.push({
    id: 'vif',
    ok: back.length === 0,
    detail:
      back.length === 0
        ? `${facts.routeGet.length ? `${facts.routeGet.map((r) => r.target).join(', ')} leave via ${[...new Set(facts.routeGet.filter((r) => !r.error).map((r) => `${r.via ?? 'on-link'} on ${r.dev}`))].join(', ') || 'no route'}` : 'No VIF address to try'}: nothing goes back to the host.${unanswered.length ? ` (${unanswered.length} with no route at all.)` : ''}`
        : `${back.map((r) => `${r.target} goes via ${r.via ?? 'on-link'} on ${name(r.dev ?? '')}`).join('; ')}: towards the host and its Telepresence VIF, the loop the lab prevents; ${fix}.`,
  });

  // Kubernetes agrees.
  if ('error' in kube) checks.push({ id: 'kubernetes', ok: false, detail: `The cluster did not answer: ${kube.error}` });
  else {
    const node = kube.nodes.find((n) => n?.name === machine.nodeName);
    checks.push(
      !node
        ? { id: 'kubernetes', ok: false, detail: `Kubernetes has no node ${machine.nodeName}: it has not joined, or it took another name.` }
        : node.internalIp !== machine.ip
          ? {
              id: 'kubernetes',
              ok: false,
              detail: `Node ${machine.nodeName} has InternalIP ${node.internalIp ?? '(none)'}, expected ${machine.ip}: k3s picked the wrong interface; run Provision.`,
            }
          : { id: 'kubernetes', ok: true, detail: `Node ${machine.nodeName} at ${machine.ip}.` },
    );
  }
  return { machine: machine.machine, ok: checks.every((c) => c.ok), checks };
}

/**
 * The addresses to try from each node: one in each subnet the host's Telepresence VIF routes now
 * (routes through `tel*` on Linux and Windows, `utun*` on macOS), or, with no VIF up, one in the
 * cluster's service and pod CIDRs (k3s: 10.43.0.0/16, 10.42.0.0/16).
 */
export function vifTargets(vifSubnets: readonly string[]): string[] {
  const subnets = vifSubnets.length ? vifSubnets : ['10.43.0.0/16', '10.42.0.0/16'];
  return subnets.flatMap((cidr) => {
    const subnet = parseCidr(cidr);
    return subnet && subnet.size > 0 ? [formatIPv4(subnet.firstUsable)] : [];
  });
}

/** Linux `ip -4 route show`: the subnets routed through a Telepresence VIF (`tel0`, `tel1`, ...). */
export function vifSubnetsFromIpRoute(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    const match = /^(\d+\.\d+\.\d+\.\d+\/\d+)\s.*\bdev (tel\d*\S*)/.exec(line.trim());
    return match ? [match[1]!] : [];
  });
}

/**
 * macOS `netstat -rn -f inet`: the subnets routed through a `utun*` device (Telepresence's VIF there).
 * netstat drops trailing zero octets (`10.0.1/24` is 10.0.1.0/24; `10/26` is 10.0.0.0/26) and leaves
 * out a mask that follows the octets given (`10` is 10.0.0.0/8, `172.20.20` a /24). Host routes
 * (flag H) and the default route are not subnets the VIF maps.
 */
export function vifSubnetsFromNetstat(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    const [destination, , flags, netif] = line.trim().split(/\s+/);
    if (!destination || !flags || !netif || !/^utun\d+$/.test(netif) || destination === 'default' || flags.includes('H')) return [];
    const [address, mask] = destination.split('/');
    const octets = address!.split('.');
    if (octets.length > 4 || octets.some((o) => !/^\d{1,3}$/.test(o))) return [];
    const cidr = `${[...octets, '0', '0', '0'].slice(0, 4).join('.')}/${mask ?? octets.length * 8}`;
    const subnet = parseCidr(cidr);
    return subnet ? [formatCidr(subnet)] : [];
  });
}
