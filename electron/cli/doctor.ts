import { checkStatusWords } from '../../shared/doctor';
import { toolMeta, toolNames, type ToolReport } from '../../shared/host';
import { call, parseFlags, pathFlag, printJson, type Command } from './command';

const usage = `Usage: cluster-lab doctor [--json] [--dir DIR]
Checks this machine before a lab runs: OS, CPUs, memory, the tools (vagrant, VBoxManage, kubectl,
telepresence) and their versions, virtualisation (KVM, vboxdrv, Apple silicon, Hyper-V), and with
--dir the lab in DIR: whether it fits in memory, CPUs and disk, and whether its NIC still holds its subnet;
the k3s cache (each file hashed again) and, with --dir, whether it holds the lab's k3s release.
Exit 0 when no check fails, 1 when one does.
`;

const markWidth = Math.max(...Object.values(checkStatusWords).map((word) => word.length));

/** Each tool with every field present: `error` is null when the tool answered. */
const jsonTools = (tools: ToolReport) =>
  Object.fromEntries(
    Object.entries(tools).map(([name, info]) => [name, { found: info.found, path: info.path, version: info.version, error: info.error ?? null }]),
  );

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check this machine, the tools and a lab’s plan before it runs',
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(argv, { json: { type: 'boolean', default: false }, dir: { type: 'string' } }, usage);
    const report = await call(services, 'doctor.run', { dir: values.dir === undefined ? undefined : pathFlag(values.dir) });
    const failed = report.checks.some((c) => c.status === 'fail');
    if (values.json) {
      printJson(io, { checks: report.checks, tools: jsonTools(report.tools), host: report.host, k3sCache: report.k3sCache });
      return failed ? 1 : 0;
    }
    const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
    io.out(
      `${report.host.osName} ${report.host.release} (${report.host.arch}), ${report.host.cpus} CPUs, ${gib(report.host.totalMemoryBytes)} memory (${gib(report.host.freeMemoryBytes)} free)\n`,
    );
    for (const tool of toolNames) {
      const info = report.tools[tool];
      const state = info.found ? `${info.version ?? 'version unknown'}  ${info.path}` : `not found. ${toolMeta[tool].installHint}`;
      io.out(`  ${toolMeta[tool].label.padEnd(13)}${state}\n`);
    }
    io.out('\n');
    for (const c of report.checks) {
      io.out(`  ${checkStatusWords[c.status].padEnd(markWidth)}  ${c.message}\n`);
      if (c.fix && c.status !== 'ok') io.out(`  ${''.padEnd(markWidth)}  fix: ${c.fix}\n`);
    }
    return failed ? 1 : 0;
  },
};
