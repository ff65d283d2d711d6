/**
 * The lab's Vagrantfile: the seed's bridged k3s lab, with every value taken from the LabConfig and
 * its slips fixed (no `sudo -i`, redirections in the right order, the bridged interface found at
 * provision time instead of a hard-coded eth1, agents pinned to their bridged address, valid
 * registries.yaml). Values reach Ruby only as single-quoted literals and the shell only as
 * single-quoted words inside literal heredocs; the scripts themselves are fixed text.
 */
import type { LabConfig } from '../lab/schema';
import { labMachines, SERVER_MACHINE, serverClusterName, type LabMachine } from '../lab/machines';
import { netmaskFromPrefix, parseCidr } from '../lab/net';
import { LAB_SCHEMA_VERSION, pinnedK3sVersion } from '../lab/schema';
import { rubyHeredoc, rubyString, shellAssign, shellHeredoc } from './escape';
import { registryHost, renderRegistriesYaml } from './registries';

/** The synced folder as the guests see it; the host side is `./shared` in the lab folder. */
export const GUEST_SHARED = '/vagrant_shared';
/** The k3s release files' folder in `shared/`, one folder per version (`shared/k3s/<version>/`). */
export const SHARED_K3S = 'k3s';
/** Cluster Lab's own bookkeeping in a lab folder, beside the Vagrantfile: out of every guest's reach. */
export const LAB_STATE_DIR = '.cluster-lab';
/**
 * In it, the sha256 of each k3s file as Up placed it in `shared/` (electron/services/k3s/place.ts),
 * one `<hash>  <file>` line each: what a guest checks the files against, since any guest of the lab
 * can rewrite the share, checksum list included.
 */
export const PLACED_K3S_SUMS_FILE = 'k3s-placed.sha256';

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
  '  # The default route via the router outlives the address (it is on-link): where it still is, the',
  '  # bridged NIC came up and then lost its address, and the bridge is not what to check.',
  '  lan_dev=$(ip -4 route show default | awk -v gw="$GATEWAY" \'$2 == "via" && $3 == gw { for (i = 4; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }\')',
  '  if [ -n "$lan_dev" ]; then',
  '    network_file=$(networkctl status "$lan_dev" 2>/dev/null | sed -n \'s/^ *Network File: //p\')',
  '    echo "No interface carries $NODE_IP: $lan_dev, which has the default route via $GATEWAY, lost the address Vagrant gave it${network_file:+ (systemd-networkd configures $lan_dev from $network_file)}. Run Up again; networkctl status $lan_dev shows what configures it." >&2',
  '  else',
  '    echo "No interface carries $NODE_IP: the bridged network did not come up. Check the bridge in lab.json." >&2',
  '  fi',
  '  exit 1',
  'fi',
];

/**
 * Runs on every `vagrant up`. The lab's promise (the only default route goes via the LAN router on
 * the bridged NIC; names are asked only of the lab's DNS servers) is written into the guest's own
 * network configuration, so the guest keeps it by itself: after a networkd restart, a DHCP
 * renewal, the bridged link going down and up, a reboot, and the `netplan apply` Vagrant runs on
 * every up after rewriting its 50-vagrant.yaml (vagrant 2.3.4
 * plugins/guests/debian/cap/configure_networks.rb, configure_netplan). Netplan merges the files of
 * /etc/netplan in name order, a later mapping key overriding an earlier one, so 60-cluster-lab.yaml
 * amends the box's file and Vagrant's without touching either.
 *
 * The NAT adapter keeps its DHCP address, which Vagrant's SSH comes in on (10.0.2.2 is on its
 * link), but takes neither a route nor a resolver from DHCP.
 *
 * Vagrant puts the bridged address in netplan only when its unprivileged `command -v netplan`
 * finds netplan (lib/vagrant/util/guest_inspection.rb, netplan?); on a box whose login PATH lacks
 * /usr/sbin (Debian's) it writes systemd-networkd's own /etc/systemd/network/50-vagrant-IFACE.network
 * and restarts networkd instead (configure_networks.rb, configure_networkd). A netplan entry for the
 * bridged NIC would then generate 10-netplan-IFACE.network, which networkd matches first: the NIC
 * would keep the route and DNS and lose its address. So on that branch the route and DNS go into a
 * drop-in of Vagrant's own file, and netplan is left the NAT adapters.
 */
const networkScript = String.raw`
if ! command -v netplan >/dev/null 2>&1; then
  echo "This box has no netplan: Cluster Lab keeps the lab's route and DNS in netplan's configuration, which Ubuntu 18.04 and later have. Choose such a box in the Lab step (Box), for example bento/ubuntu-24.04." >&2
  exit 1
fi
NETPLAN_FILE=/etc/netplan/60-cluster-lab.yaml
VAGRANT_NETWORKD=/etc/systemd/network/50-vagrant-$IFACE.network
NETWORKD_DROPIN=$VAGRANT_NETWORKD.d/60-cluster-lab.conf
if [ -f "$VAGRANT_NETWORKD" ] && ! grep -qs "^ *$IFACE:" /etc/netplan/50-vagrant.yaml; then
  BRANCH=networkd
else
  BRANCH=netplan
fi

# The interfaces besides the bridged one that hold a DHCP lease: VirtualBox's NAT adapter. They are
# remembered in the file, so one whose lease is being renewed right now is not left out.
NAT_IFACES=$(ip -o -4 addr show | awk -v skip="$IFACE" '$2 != skip && $2 != "lo" && / dynamic / { print $2 }')
if [ -f "$NETPLAN_FILE" ]; then
  NAT_IFACES="$NAT_IFACES $(sed -n 's/^# nat-interfaces: //p' "$NETPLAN_FILE")"
fi
NAT_IFACES=$(for nat in $NAT_IFACES; do [ "$nat" = "$IFACE" ] || echo "$nat"; done | sort -u | tr '\n' ' ')
for name in $IFACE $NAT_IFACES; do
  case "$name" in
    *[!A-Za-z0-9._-]*) echo "Unexpected interface name '$name': the network configuration is left as it was." >&2; exit 1 ;;
  esac
done

netplan_tmp=$(mktemp /etc/netplan/.60-cluster-lab.XXXXXX)
{
  echo "# Written by Cluster Lab on every vagrant up: the lab's default route and DNS, owned by the guest."
  echo "# nat-interfaces: $NAT_IFACES"
  echo "network:"
  echo "  version: 2"
  echo "  ethernets:"
  for nat in $NAT_IFACES; do
    echo "    \"$nat\":"
    echo "      dhcp4: true"
    echo "      dhcp4-overrides:"
    echo "        use-routes: false"
    echo "        use-dns: false"
  done
  if [ "$BRANCH" = netplan ]; then
    echo "    \"$IFACE\":"
    echo "      routes:"
    echo "        - to: 0.0.0.0/0"
    echo "          via: $GATEWAY"
    # Added when the link comes back, networkd can be quicker than the kernel's route to the LAN and
    # be refused ("Nexthop has invalid gateway"), leaving the node without a default route: the
    # router is on this link whatever the kernel's table says at that moment.
    echo "          on-link: true"
    echo "      nameservers:"
    echo "        addresses: [$(echo $DNS_SERVERS | sed 's/ /, /g')]"
  fi
} > "$netplan_tmp"
# netplan warns about a configuration that others can read.
chmod 600 "$netplan_tmp"
mv -f "$netplan_tmp" "$NETPLAN_FILE"
if [ "$BRANCH" = networkd ]; then
  # The same route (GatewayOnLink= is netplan's on-link) and DNS, beside the address Vagrant wrote.
  mkdir -p "$VAGRANT_NETWORKD.d"
  dropin_tmp=$(mktemp "$VAGRANT_NETWORKD.d/.60-cluster-lab.XXXXXX")
  {
    echo "# Written by Cluster Lab on every vagrant up: the lab's default route and DNS, owned by the guest."
    echo "[Network]"
    for server in $DNS_SERVERS; do echo "DNS=$server"; done
    echo "[Route]"
    echo "Gateway=$GATEWAY"
    echo "GatewayOnLink=yes"
  } > "$dropin_tmp"
  chmod 644 "$dropin_tmp"
  mv -f "$dropin_tmp" "$NETWORKD_DROPIN"
else
  rm -f "$NETWORKD_DROPIN"
fi
netplan apply
if [ "$BRANCH" = networkd ]; then
  networkctl reload
  networkctl reconfigure "$IFACE"
fi

# With systemd-resolved, /etc/resolv.conf points at its stub, which asks the links' DNS servers:
# now only the lab's. Without it nothing else writes the file, so it is written here. The stub link
# an earlier Cluster Lab replaced with a plain file is put back.
if [ ! -L /etc/resolv.conf ] && [ -L /etc/resolv.conf.cluster-lab-orig ]; then
  mv -f /etc/resolv.conf.cluster-lab-orig /etc/resolv.conf
fi
if ! { [ -L /etc/resolv.conf ] && readlink /etc/resolv.conf | grep -q /run/systemd/resolve/; }; then
  resolv=$(mktemp /etc/resolv.conf.XXXXXX)
  for server in $DNS_SERVERS; do echo "nameserver $server"; done > "$resolv"
  chmod 644 "$resolv"
  mv -f "$resolv" /etc/resolv.conf
fi

# netplan apply returns before networkd has finished: wait until the lab's route is the only default.
lab_route_only() {
  ip -4 route show default | awk -v gw="$GATEWAY" -v dev="$IFACE" '
    { n++ } $2 == "via" && $3 == gw && $4 == "dev" && $5 == dev { ok++ }
    END { exit !(n == 1 && ok == 1) }'
}
for _ in $(seq 1 60); do
  if lab_route_only; then
    if [ "$BRANCH" = networkd ]; then where="$NETWORKD_DROPIN"; else where="$NETPLAN_FILE"; fi
    echo "Default route via $GATEWAY on $IFACE only; DNS $DNS_SERVERS ($where)"
    exit 0
  fi
  sleep 0.5
done
echo "After 30 s the default routes are not the lab's: $(ip -4 route show default | tr '\n' ';') expected only via $GATEWAY on $IFACE. Check the default route and the subnet in the Addresses step (lab.json), and that $GATEWAY is the LAN's router." >&2
exit 1
`
  .trim()
  .split('\n');

/**
 * k3s from the release files the host fetched once and placed in the synced folder
 * (`shared/k3s/<version>/`), never from the network: the air-gap install of
 * docs.k3s.io/installation/airgap (the binary in /usr/local/bin, the image archive in the agent's
 * images folder, then install.sh with INSTALL_K3S_SKIP_DOWNLOAD=true). With that setting install.sh
 * downloads neither the binary nor its hash nor the SELinux RPM, and wants an executable
 * /usr/local/bin/k3s (k3s-io/k3s install.sh at 0136cf2: can_skip_download_binary,
 * can_skip_download_selinux, verify_k3s_is_executable; BIN_DIR in setup_env). The guest's own
 * architecture picks the files, named as the release names them (install.sh, setup_verify_arch:
 * `k3s` on amd64, `k3s-arm64`). The synced folder is writable by every guest, the release's
 * checksum list in it included, so a guest of the lab could swap what its siblings install: each
 * file (install.sh too) is copied out first and the copy is checked against the hash the host
 * placed it with (PLACED_K3S_SUMS, read by the Vagrantfile from the lab folder, where no guest
 * writes): what is installed and run is what the host checked. It is a plain shell variable, never
 * exported: install.sh copies every exported K3S_* variable into the service's environment file
 * (k3s-io/k3s install.sh at 0136cf2, create_env_file).
 */
const installK3sScript = [
  '# install_k3s: k3s from the release the host placed in the synced folder; nothing is downloaded.',
  'install_checked() {',
  '  expected=$(printf \'%s\\n\' "$PLACED_K3S_SUMS" | awk -v f="$1" \'$2 == f { print $1; exit }\')',
  '  tmp="$2.cluster-lab-tmp"',
  '  cp "$K3S_FILES/$1" "$tmp"',
  '  actual=$(sha256sum "$tmp" | awk \'{ print $1 }\')',
  '  if [ -z "$expected" ] || [ "$actual" != "$expected" ]; then',
  '    rm -f "$tmp"',
  `    echo "k3s $INSTALL_K3S_VERSION: $K3S_FILES/$1 is not the file Cluster Lab placed there (expected \${expected:-a hash for it in ${LAB_STATE_DIR}/${PLACED_K3S_SUMS_FILE}}, got $actual); nothing was installed. Bring the lab up again with Cluster Lab: it places the files again from its checked cache." >&2`,
  '    exit 1',
  '  fi',
  '  chmod "$3" "$tmp"',
  '  mv -f "$tmp" "$2"',
  '}',
  'install_k3s() {',
  '  if [ -z "$INSTALL_K3S_VERSION" ]; then',
  '    echo "lab.json names no k3s version: write the lab again in Cluster Lab (or cluster-lab render --dir DIR), which resolves its channel to one." >&2',
  '    exit 1',
  '  fi',
  `  K3S_FILES="${GUEST_SHARED}/${SHARED_K3S}/$INSTALL_K3S_VERSION"`,
  '  case $(uname -m) in',
  '    x86_64 | amd64) K3S_ARCH=amd64 K3S_BIN=k3s ;;',
  '    aarch64 | arm64) K3S_ARCH=arm64 K3S_BIN=k3s-arm64 ;;',
  '    *) echo "This guest is $(uname -m): Cluster Lab installs k3s on amd64 and arm64 guests only." >&2; exit 1 ;;',
  '  esac',
  '  K3S_IMAGES="k3s-airgap-images-$K3S_ARCH.tar.zst"',
  '  if [ -z "$PLACED_K3S_SUMS" ]; then',
  `    echo "k3s $INSTALL_K3S_VERSION: the lab folder has no ${LAB_STATE_DIR}/${PLACED_K3S_SUMS_FILE}, the hashes Cluster Lab places the release with. Bring the lab up with Cluster Lab (Up, or cluster-lab up --dir DIR), not vagrant up alone." >&2`,
  '    exit 1',
  '  fi',
  '  for file in install.sh "$K3S_BIN" "$K3S_IMAGES"; do',
  '    if [ ! -f "$K3S_FILES/$file" ]; then',
  '      echo "k3s $INSTALL_K3S_VERSION: $K3S_FILES/$file is missing. Cluster Lab puts the release there before the first VM boots: bring the lab up with Cluster Lab (Up, or cluster-lab up --dir DIR), not vagrant up alone." >&2',
  '      exit 1',
  '    fi',
  '  done',
  '  mkdir -p /usr/local/bin /var/lib/rancher/k3s/agent/images',
  '  install_checked "$K3S_BIN" /usr/local/bin/k3s 755',
  '  install_checked "$K3S_IMAGES" "/var/lib/rancher/k3s/agent/images/$K3S_IMAGES" 644',
  '  installer=$(mktemp -d)',
  '  trap \'rm -rf "$installer"\' EXIT',
  '  install_checked install.sh "$installer/install.sh" 700',
  '  INSTALL_K3S_SKIP_DOWNLOAD=true sh "$installer/install.sh"',
  '}',
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
    '# k3s would pick the NAT interface every VM shares (k3s-io/k3s#72): pin it to the bridged one. The node',
    "# is named explicitly: Vagrant gives only a dotted server name's first label to the host name.",
    'export INSTALL_K3S_EXEC="server --node-ip=$NODE_IP --node-external-ip=$NODE_IP --bind-address=$NODE_IP --advertise-address=$NODE_IP --flannel-iface=$IFACE --node-name=$NODE_NAME --tls-san=$SERVER_NAME"',
    'install_k3s',
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
    'echo "k3s server $NODE_NAME is up on $NODE_IP ($IFACE)"',
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
    'export INSTALL_K3S_EXEC="agent --node-ip=$NODE_IP --node-external-ip=$NODE_IP --flannel-iface=$IFACE --node-name=$NODE_NAME"',
    'install_k3s',
    'echo "k3s agent $NODE_NAME joined from $NODE_IP ($IFACE)"',
  ];
}

function labEnv(config: LabConfig): string[] {
  const version = pinnedK3sVersion(config.k3s);
  const channel = config.k3s.source === 'channel' ? config.k3s.value : null;
  return [
    shellAssign('GATEWAY', config.network.gateway),
    shellAssign('DNS_SERVERS', config.network.dns.join(' ')),
    // The name `--tls-san` adds to the API server's certificate, spelled as the node and the registry are.
    shellAssign('SERVER_NAME', serverClusterName(config)),
    shellAssign('SERVER_IP', config.server.ip),
    ...(channel === null
      ? []
      : version === null
        ? // Only a preview of a draft gets here: writing the lab looks the channel up first.
          [`# Empty until the lab is written: writing it looks up the release the ${channel} channel points at.`]
        : [`# The k3s release the ${channel} channel pointed at when the lab was written: every node installs it.`]),
    shellAssign('INSTALL_K3S_VERSION', version ?? '', { exported: true }),
  ];
}

function nodeBlock(node: LabMachine): string {
  const script = node.role === 'server' ? 'SERVER_SCRIPT' : 'AGENT_SCRIPT';
  const nodeEnv = [shellAssign('NODE_IP', node.ip), shellAssign('NODE_NAME', node.nodeName)];
  const args = [rubyString(node.machine), rubyString(node.hostname), rubyString(node.ip), script].join(', ');
  return `lab_node(config, ${args}, ${rubyHeredoc('SHELL', nodeEnv, '  ', ')')}`;
}

function netmask(config: LabConfig): string {
  const subnet = parseCidr(config.network.subnet);
  if (!subnet) throw new Error(`Not a subnet: ${config.network.subnet}`);
  return netmaskFromPrefix(subnet.prefixLength);
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
      labMachines(config)
        .map((n) => n.machine)
        .join(', ') +
      '.',
    '',
    '# The host network device the VMs are bridged onto (as `VBoxManage list bridgedifs` names it).',
    `BRIDGE = ${rubyString(config.network.bridge)}`,
    '',
    "# The LAN's netmask: without it Vagrant's VirtualBox provider gives the bridged NIC 255.255.255.0",
    '# (vagrant 2.3.4 plugins/providers/virtualbox/action/network.rb, bridged_network_config), and on a',
    '# wider LAN the router would be off-link.',
    `NETMASK = ${rubyString(netmask(config))}`,
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
    `K3S_INSTALL_SCRIPT = ${rubyHeredoc('SHELL', installK3sScript, '')}`,
    '',
    '# The sha256 of each k3s file as Cluster Lab checked it when Up placed the release in ./shared, read',
    `# from ${LAB_STATE_DIR}/${PLACED_K3S_SUMS_FILE} beside this file, where no guest writes: a guest installs only`,
    '# files that match, whatever another guest wrote into the share since. Only lines of a hash and a',
    '# file name are taken, so nothing else in that file can reach the script.',
    'PLACED_K3S_SUMS = begin',
    `  sums = File.join(__dir__, ${rubyString(LAB_STATE_DIR)}, ${rubyString(PLACED_K3S_SUMS_FILE)})`,
    "  File.file?(sums) && !File.symlink?(sums) && File.size(sums) <= 4096 ? File.binread(sums) : ''",
    'rescue SystemCallError',
    "  ''",
    'end.lines.grep(/\\A[0-9a-f]{64}  [A-Za-z0-9][A-Za-z0-9._+-]{0,99}\\n\\z/).join',
    '',
    '# Provision scripts already run as root; the network one runs on every `vagrant up`, and first,',
    '# so k3s is installed over the LAN route.',
    'def lab_node(config, machine, hostname, ip, script, node_env)',
    `  config.vm.define machine, primary: machine == ${rubyString(SERVER_MACHINE)} do |node|`,
    '    node.vm.hostname = hostname',
    "    node.vm.network 'public_network', bridge: BRIDGE, ip: ip, netmask: NETMASK",
    "    node.vm.provision 'network', type: 'shell', run: 'always', inline: LAB_ENV + node_env + COMMON_SCRIPT + NETWORK_SCRIPT",
    "    node.vm.provision 'k3s', type: 'shell', inline: LAB_ENV + node_env + \"PLACED_K3S_SUMS='\" + PLACED_K3S_SUMS + \"'\\n\" + COMMON_SCRIPT + K3S_INSTALL_SCRIPT + script",
    '  end',
    'end',
    '',
    "Vagrant.configure('2') do |config|",
    `  config.vm.box = ${rubyString(box.name)}`,
    ...(box.url ? [`  config.vm.box_url = ${rubyString(box.url)}`] : []),
    // Vagrant shares the Vagrantfile's folder as /vagrant unless a folder with host path '.' or guest
    // path /vagrant is configured (vagrant 2.3.4 plugins/kernel_v2/config/vm.rb, finalize!), and
    // mounts none marked disabled (lib/vagrant/action/builtin/mixin_synced_folders.rb, synced_folders).
    '  # Guests see only ./shared: the whole lab folder (this Vagrantfile, lab.json) is not theirs to write.',
    "  config.vm.synced_folder '.', '/vagrant', disabled: true",
    // VirtualBox lets a guest create links in a shared folder unless it is told not to (vagrant 2.3.4
    // plugins/providers/virtualbox/synced_folder.rb, share_folders; its own warning says to turn it
    // off for a guest that is not trusted).
    `  # The host's ./shared: the host puts the k3s release in ${SHARED_K3S}/<version>/ before the first VM boots; the server leaves`,
    `  # the node token, k3s.yaml${config.registry.enabled ? ' and registries.yaml' : ''} here.`,
    '  # Guests may not make links in it: the host never meets a link a guest made.',
    `  config.vm.synced_folder './shared', ${rubyString(GUEST_SHARED)}, SharedFoldersEnableSymlinksCreate: false`,
    "  config.vm.provider 'virtualbox' do |vb|",
    `    vb.memory = ${int(config.vm.memoryMb)}`,
    `    vb.cpus = ${int(config.vm.cpus)}`,
    `    vb.linked_clone = ${config.vm.linkedClone ? 'true' : 'false'}`,
    '  end',
    '',
    ...labMachines(config).map((node) => `  ${nodeBlock(node)}`),
    'end',
    '',
  ];
  return lines.join('\n');
}
