/**
 * The lab's Vagrantfile: the seed's bridged k3s lab, with every value taken from the LabConfig and
 * its slips fixed (no `sudo -i`, redirections in the right order, the bridged interface found at
 * provision time instead of a hard-coded eth1, agents pinned to their bridged address, valid
 * registries.yaml). Values reach Ruby only as single-quoted literals and the shell only as
 * single-quoted words inside literal heredocs; the scripts themselves are fixed text.
 */
import type { LabConfig } from '../lab/schema';
import { LAB_SCHEMA_VERSION } from '../lab/schema';
import { rubyHeredoc, rubyString, shellAssign, shellHeredoc } from './escape';
import { registryHost, renderRegistriesYaml } from './registries';

/** The synced folder as the guests see it; the host side is `./shared` in the lab folder. */
export const GUEST_SHARED = '/vagrant_shared';
export const SERVER_MACHINE = 'server';

/** A URL or a local `.box` file is not a box name: Vagrant needs a name to store it under. */
export function boxSource(box: string): { name: string; url: string | null } {
  const isLocation = /^(https?|file):\/\//i.test(box) || /\.box$/i.test(box);
  if (!isLocation) return { name: box, url: null };
  const base =
    box
      .replace(/[?#].*$/, '')
      .split(/[\\/]/)
      .pop() ?? 'box';
  const name = base.replace(/\.box$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-') || 'box';
  return { name: `cluster-lab/${name}`, url: box };
}

const int = (value: number) => {
  if (!Number.isSafeInteger(value)) throw new Error(`Not a whole number: ${value}`);
  return String(value);
};

/** Helpers every script starts with, after the lab's values. */
const commonScript = [
  'set -eu',
  '',
  "# The interface Vagrant gave this node's bridged address to: boxes name it differently",
  '# (eth1, enp0s8, ...), so it is looked up rather than assumed.',
  'bridged_iface() {',
  '  ip -o -4 addr show | awk -v ip="$NODE_IP" \'{ split($4, a, "/"); if (a[1] == ip) { print $2; exit } }\'',
  '}',
  'IFACE=$(bridged_iface)',
  'if [ -z "$IFACE" ]; then',
  '  echo "No interface carries $NODE_IP: the bridged network did not come up. Check the bridge in lab.json." >&2',
  '  exit 1',
  'fi',
];

/** Runs on every `vagrant up`: DHCP on the NAT interface puts its own route and resolver back. */
const networkScript = [
  "# Everything leaves through the LAN router, not the host's NAT, so no request can reach the",
  "# host's Telepresence VIF and loop back into the cluster.",
  'while ip route del default >/dev/null 2>&1; do :; done',
  'ip route add default via "$GATEWAY" dev "$IFACE"',
  '',
  '# External DNS instead of the resolver the NAT network hands out. /etc/resolv.conf may be a',
  '# symlink owned by systemd-resolved; it becomes a plain file (the original is kept once).',
  '[ -e /etc/resolv.conf.cluster-lab-orig ] || cp -P /etc/resolv.conf /etc/resolv.conf.cluster-lab-orig 2>/dev/null || true',
  'resolv=$(mktemp /etc/resolv.conf.XXXXXX)',
  'for server in $DNS_SERVERS; do echo "nameserver $server"; done > "$resolv"',
  'chmod 644 "$resolv"',
  'mv -f "$resolv" /etc/resolv.conf',
  'echo "Default route via $GATEWAY on $IFACE; DNS $DNS_SERVERS"',
];

const installK3s = [
  'command -v curl >/dev/null 2>&1 || { apt-get update && apt-get install -y curl; } || apk add curl || dnf install -y curl',
  'curl -sfL https://get.k3s.io -o /tmp/k3s-install.sh',
  'sh /tmp/k3s-install.sh',
];

function registriesLines(config: LabConfig): string[] {
  if (!config.registry.enabled) return [];
  const yaml = renderRegistriesYaml(config).trimEnd().split('\n');
  return [
    '',
    `# Pull ${registryHost(config)}/... from the lab's own registry over plain HTTP.`,
    ...shellHeredoc('cat > /etc/rancher/k3s/registries.yaml', 'YAML', yaml),
  ];
}

function serverScript(config: LabConfig): string[] {
  return [
    "# A new server means a new token: never leave the last lab's for the agents to find.",
    `rm -f ${GUEST_SHARED}/token ${GUEST_SHARED}/k3s.yaml`,
    'mkdir -p /etc/rancher/k3s',
    ...registriesLines(config),
    '',
    '# k3s would pick the NAT interface every VM shares (k3s-io/k3s#72): pin it to the bridged one.',
    'export INSTALL_K3S_EXEC="server --node-ip=$NODE_IP --node-external-ip=$NODE_IP --bind-address=$NODE_IP --advertise-address=$NODE_IP --flannel-iface=$IFACE --tls-san=$SERVER_NAME"',
    ...installK3s,
    '',
    'echo "Waiting for k3s to write its token and kubeconfig"',
    'for _ in $(seq 1 150); do',
    '  [ -s /var/lib/rancher/k3s/server/token ] && [ -s /etc/rancher/k3s/k3s.yaml ] && break',
    '  sleep 2',
    'done',
    'if [ ! -s /var/lib/rancher/k3s/server/token ] || [ ! -s /etc/rancher/k3s/k3s.yaml ]; then',
    '  echo "k3s did not start within 5 minutes: see journalctl -u k3s on the server." >&2',
    '  exit 1',
    'fi',
    '',
    `# Hand the token, a kubeconfig that reaches the server from the host, and the mirror file to`,
    `# the synced folder; the first two land under a temporary name so a reader never sees half a file.`,
    `cp /var/lib/rancher/k3s/server/token ${GUEST_SHARED}/.token.tmp`,
    `mv -f ${GUEST_SHARED}/.token.tmp ${GUEST_SHARED}/token`,
    `awk -v ip="$SERVER_IP" '{ sub(/server: https:\\/\\/[^ ]*:6443/, "server: https://" ip ":6443"); print }' /etc/rancher/k3s/k3s.yaml > ${GUEST_SHARED}/.k3s.yaml.tmp`,
    `mv -f ${GUEST_SHARED}/.k3s.yaml.tmp ${GUEST_SHARED}/k3s.yaml`,
    ...(config.registry.enabled ? [`cp /etc/rancher/k3s/registries.yaml ${GUEST_SHARED}/registries.yaml`] : []),
    'echo "k3s server is up on $NODE_IP ($IFACE)"',
  ];
}

function agentScript(config: LabConfig): string[] {
  return [
    '# The server is provisioned first and leaves its token in the synced folder.',
    'for _ in $(seq 1 300); do',
    `  [ -s ${GUEST_SHARED}/token ] && break`,
    '  sleep 2',
    'done',
    `if [ ! -s ${GUEST_SHARED}/token ]; then`,
    `  echo "No token in ${GUEST_SHARED}/token: bring the server up first (vagrant up ${SERVER_MACHINE})." >&2`,
    '  exit 1',
    'fi',
    '# A local copy: the synced folder is not mounted yet when k3s starts at boot.',
    'mkdir -p /etc/rancher/k3s',
    `install -m 600 ${GUEST_SHARED}/token /etc/rancher/k3s/cluster-token`,
    ...registriesLines(config),
    '',
    'export K3S_URL="https://$SERVER_IP:6443"',
    'export K3S_TOKEN_FILE=/etc/rancher/k3s/cluster-token',
    '# Without these the agent advertises the NAT address every VM shares (k3s-io/k3s#72).',
    'export INSTALL_K3S_EXEC="agent --node-ip=$NODE_IP --node-external-ip=$NODE_IP --flannel-iface=$IFACE"',
    ...installK3s,
    'echo "k3s agent $(hostname) joined from $NODE_IP ($IFACE)"',
  ];
}

function labEnv(config: LabConfig): string[] {
  const k3s = config.k3s.source === 'version' ? 'INSTALL_K3S_VERSION' : 'INSTALL_K3S_CHANNEL';
  return [
    shellAssign('GATEWAY', config.network.gateway),
    shellAssign('DNS_SERVERS', config.network.dns.join(' ')),
    shellAssign('SERVER_NAME', config.server.name),
    shellAssign('SERVER_IP', config.server.ip),
    shellAssign(k3s, config.k3s.value, { exported: true }),
  ];
}

interface NodeSpec {
  machine: string;
  hostname: string;
  ip: string;
  role: 'server' | 'agent';
}

function nodes(config: LabConfig): NodeSpec[] {
  return [
    { machine: SERVER_MACHINE, hostname: config.server.name, ip: config.server.ip, role: 'server' },
    ...config.agents.map((agent) => ({ machine: agent.name, hostname: agent.name, ip: agent.ip, role: 'agent' as const })),
  ];
}

function nodeBlock(node: NodeSpec): string {
  const script = node.role === 'server' ? 'SERVER_SCRIPT' : 'AGENT_SCRIPT';
  const args = [rubyString(node.machine), rubyString(node.hostname), rubyString(node.ip), script].join(', ');
  return `lab_node(config, ${args}, ${rubyHeredoc('SHELL', [shellAssign('NODE_IP', node.ip)], '  ', ')')}`;
}

export function renderVagrantfile(config: LabConfig): string {
  const box = boxSource(config.vm.box);
  const agents = config.agents.length;
  const lines = [
    '# -*- mode: ruby -*-',
    '# vi: set ft=ruby :',
    '#',
    `# Generated by Cluster Lab from lab.json (lab schema version ${LAB_SCHEMA_VERSION}). Change the lab in Cluster Lab`,
    '# or in lab.json and render it again (`cluster-lab render`): a hand edit here is kept beside the',
    '# new file as Vagrantfile.user-<time> the next time the lab is written.',
    '#',
    `# One k3s server and ${agents} agent${agents === 1 ? '' : 's'} on a bridged network: each VM has a static address on the`,
    "# host's LAN, routes through the LAN router and asks external DNS, so the cluster never reaches",
    "# the host's Telepresence VIF. Machines: " +
      nodes(config)
        .map((n) => n.machine)
        .join(', ') +
      '.',
    '',
    '# The host network device the VMs are bridged onto (as `VBoxManage list bridgedifs` names it).',
    `BRIDGE = ${rubyString(config.network.bridge)}`,
    '',
    "# The lab's values, as the provision scripts read them.",
    `LAB_ENV = ${rubyHeredoc('SHELL', labEnv(config), '')}`,
    '',
    `COMMON_SCRIPT = ${rubyHeredoc('SHELL', commonScript, '')}`,
    '',
    `NETWORK_SCRIPT = ${rubyHeredoc('SHELL', networkScript, '')}`,
    '',
    `SERVER_SCRIPT = ${rubyHeredoc('SHELL', serverScript(config), '')}`,
    '',
    `AGENT_SCRIPT = ${rubyHeredoc('SHELL', agentScript(config), '')}`,
    '',
    '# Provision scripts already run as root; the network one runs on every `vagrant up`, and first,',
    '# so k3s is installed over the LAN route.',
    'def lab_node(config, machine, hostname, ip, script, node_env)',
    `  config.vm.define machine, primary: machine == ${rubyString(SERVER_MACHINE)} do |node|`,
    '    node.vm.hostname = hostname',
    "    node.vm.network 'public_network', bridge: BRIDGE, ip: ip",
    "    node.vm.provision 'network', type: 'shell', run: 'always', inline: LAB_ENV + node_env + COMMON_SCRIPT + NETWORK_SCRIPT",
    "    node.vm.provision 'k3s', type: 'shell', inline: LAB_ENV + node_env + COMMON_SCRIPT + script",
    '  end',
    'end',
    '',
    "Vagrant.configure('2') do |config|",
    `  config.vm.box = ${rubyString(box.name)}`,
    ...(box.url ? [`  config.vm.box_url = ${rubyString(box.url)}`] : []),
    `  # The host's ./shared: the server leaves the node token, k3s.yaml${config.registry.enabled ? ' and registries.yaml' : ''} here.`,
    `  config.vm.synced_folder './shared', ${rubyString(GUEST_SHARED)}`,
    "  config.vm.provider 'virtualbox' do |vb|",
    `    vb.memory = ${int(config.vm.memoryMb)}`,
    `    vb.cpus = ${int(config.vm.cpus)}`,
    `    vb.linked_clone = ${config.vm.linkedClone ? 'true' : 'false'}`,
    '  end',
    '',
    ...nodes(config).map((node) => `  ${nodeBlock(node)}`),
    'end',
    '',
  ];
  return lines.join('\n');
}
