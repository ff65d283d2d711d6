import { toolMeta, toolNames } from '../../shared/host';
import { parseFlags, printJson, type Command } from './commands';

const usage = `Usage: cluster-lab doctor [--json]
Checks this machine: OS, CPUs, memory, and whether vagrant, VBoxManage, kubectl and telepresence are installed.
`;

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check this machine and the tools the lab needs',
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(argv, { json: { type: 'boolean', default: false } }, usage);
    const facts = await services.handlers['host.facts']({});
    if (values.json) {
      printJson(io, facts);
      return 0;
    }
    const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
    io.out(
      `${facts.host.osName} ${facts.host.release} (${facts.host.arch}), ${facts.host.cpus} CPUs, ${gib(facts.host.totalMemoryBytes)} memory (${gib(facts.host.freeMemoryBytes)} free)\n`,
    );
    for (const tool of toolNames) {
      const info = facts.tools[tool];
      const state = info.found ? `${info.version ?? 'version unknown'}  ${info.path}` : `not found. ${toolMeta[tool].installHint}`;
      io.out(`  ${toolMeta[tool].label.padEnd(13)}${state}\n`);
    }
    return 0;
  },
};
