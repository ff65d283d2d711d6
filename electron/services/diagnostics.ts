/**
 * "Copy diagnostics": what a bug report needs in one paste. Versions (the app, Node, Electron when
 * it is the shell, each tool), the doctor report as `cluster-lab doctor --json` has it, and the tail
 * of the lab's last job, all with secrets taken out (shared/redact.ts) since it leaves the machine.
 */
import { version } from '../../shared/version';
import { toolNames } from '../../shared/host';
import { redactSecrets } from '../../shared/redact';
import type { ServiceContext } from './context';
import { runDoctor } from './doctor';
import type { LabRunner } from './jobs';

/** Enough of a log to see how a job ended, short enough to paste into an issue. */
export const DIAGNOSTICS_LOG_LINES = 200;

export async function collectDiagnostics(ctx: ServiceContext, jobs: LabRunner, dir: string | null): Promise<{ text: string }> {
  const doctor = await runDoctor(ctx, { dir: dir ?? undefined });
  const { host, tools } = doctor;
  const shell = process.versions.electron ? `Electron ${process.versions.electron}` : 'browser mode or the CLI (no Electron)';
  const lines = [
    `Cluster Lab ${version}`,
    `Node ${process.versions.node}, ${shell}`,
    `OS: ${host.osName} ${host.release} (${host.platform}, ${host.arch})`,
    'Tools:',
    ...toolNames.map((name) => {
      const tool = tools[name];
      return `  ${name}: ${tool.found ? `${tool.version ?? 'version unknown'} (${tool.path})${tool.error ? `: ${tool.error}` : ''}` : 'not found'}`;
    }),
    '',
    'Doctor (cluster-lab doctor --json):',
    JSON.stringify(doctor, null, 2),
    '',
  ];
  const { job, tail } = dir ? await jobs.attach(dir, { view: false }) : { job: null, tail: [] };
  if (job) {
    const shown = tail.slice(-DIAGNOSTICS_LOG_LINES);
    lines.push(
      `Last job: ${job.kind}, ${job.status}, in ${job.dir} (log ${job.logFile}); its last ${shown.length} of ${job.lineCount} lines:`,
      ...shown.map((line) => (line.node ? `[${line.node}] ${line.text}` : line.text)),
    );
  } else {
    lines.push(dir ? `Last job: none in ${dir} since the app started.` : 'Last job: no lab folder open.');
  }
  return { text: redactSecrets(lines.join('\n')) };
}
