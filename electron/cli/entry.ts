/** Process glue for the CLI: real stdout/stderr, Ctrl-C, the exit code. */
import { main } from './index';

const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
  onInterrupt: (handler: () => void) => {
    process.on('SIGINT', handler);
    return () => void process.off('SIGINT', handler);
  },
};
process.exitCode = await main(process.argv.slice(2), io);
