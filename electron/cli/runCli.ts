/** For tests: run `cluster-lab ARGV` in-process with its own environment, capturing both streams. */
import type { ServiceContext } from '../services/context';
import { main } from './index';

export async function runCli(argv: string[], context: Partial<ServiceContext> = {}) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) }, context);
  return { code, out, err };
}
