import { call, parseFlags, printJson, type Command } from './command';

const usage = `Usage: cluster-lab nics [--json]
Lists this computer's network interfaces: the ones a lab can bridge onto, and the others with the reason they cannot.
`;

export const nicsCommand: Command = {
  name: 'nics',
  summary: 'list the network interfaces a lab can bridge onto',
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(argv, { json: { type: 'boolean', default: false } }, usage);
    const report = await call(services, 'nics.list', {});
    if (values.json) {
      printJson(io, {
        gateway: report.gateway,
        nics: report.nics.map((nic) => ({
          name: nic.name,
          bridgeName: nic.bridgeName,
          bridgeNameSource: nic.bridgeNameSource,
          ipv4: nic.ipv4,
          prefixLength: nic.prefixLength,
          mac: nic.mac,
          type: nic.type,
          up: nic.up,
          default: nic.default,
          // One type a field: null, or why the NIC cannot be bridged.
          excluded: nic.excluded === false ? null : { reason: nic.excluded },
        })),
      });
      return 0;
    }
    io.out(`Default route: ${report.gateway ?? 'none detected'}\n`);
    for (const nic of report.nics) {
      const address = nic.ipv4 ? `${nic.ipv4}/${nic.prefixLength}` : 'no IPv4';
      const state = nic.excluded
        ? `cannot be bridged: ${nic.excluded}`
        : `bridge: "${nic.bridgeName}" (${nic.bridgeNameSource === 'virtualbox' ? 'from VirtualBox' : 'a guess'})`;
      io.out(`  ${nic.default ? '*' : ' '} ${nic.name.padEnd(16)}${address.padEnd(20)}${nic.type.padEnd(10)}${state}\n`);
    }
    for (const note of report.notes) io.err(`Note: ${note}\n`);
    return 0;
  },
};
