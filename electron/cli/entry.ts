/** Process glue for the CLI: real stdout/stderr, Ctrl-C, SIGTERM and SIGHUP, the exit code. */
import { main } from './index';

// A closed terminal or pipe (SIGHUP, `| head`) must not kill the CLI mid-job with EIO/EPIPE: the
// job goes on to its end (or its cancel), and its log file has every line.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
  onInterrupt: (handler: (signal: NodeJS.Signals) => void) => {
    for (const signal of signals) process.on(signal, handler);
    return () => signals.forEach((signal) => process.off(signal, handler));
  },
};
process.exitCode = await main(process.argv.slice(2), io);
