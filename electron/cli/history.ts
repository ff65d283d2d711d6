/** `cluster-lab jobs --dir DIR [--json]`: the lab's past jobs, from its logs/ folder, as the Run step lists them. */
import { formatBytes } from '../../shared/bytes';
import { AppError } from '../../shared/errors';
import { call, FlagError, isoTime, parseFlags, printJson, requireDir, type Command } from './command';

const usage = `Usage: cluster-lab jobs --dir DIR [--json]
Lists the lab's jobs (up, down, provision, destroy, ...) from the log files in DIR/logs/, newest first
(at most 50): when each started and ended, how it ended (as its log's last line says; "not said" when
its process died first), the size and path of its log. A job that runs now (here or in the app) is
marked running.
`;

export const historyCommand: Command = {
  name: 'jobs',
  summary: "list the lab's past jobs and their logs",
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(argv, { dir: { type: 'string' }, json: { type: 'boolean', default: false } }, usage);
    const dir = requireDir(values.dir, usage);
    // A folder with no lab in it is a --dir to correct.
    await call(services, 'lab.open', { dir }).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'not_found') throw new FlagError('--dir', error.message, error.hint);
      throw error;
    });
    const { jobs } = await call(services, 'job.history', { dir });
    if (values.json) {
      printJson(io, {
        jobs: jobs.map((job) => ({
          id: job.id,
          kind: job.kind,
          startedAt: isoTime(job.startedAt),
          endedAt: job.endedAt === null ? null : isoTime(job.endedAt),
          result: job.running ? 'running' : job.result,
          bytes: job.bytes,
          logFile: job.logFile,
        })),
      });
      return 0;
    }
    if (jobs.length === 0) io.out(`No jobs have run on this lab yet (no job logs in its logs/ folder).\n`);
    for (const job of jobs)
      io.out(
        `${isoTime(job.startedAt)}  ${job.kind.padEnd(16)} ${(job.running ? 'running' : (job.result ?? 'not said')).padEnd(10)} ${formatBytes(job.bytes).padStart(10)}  ${job.logFile}\n`,
      );
    return 0;
  },
};
