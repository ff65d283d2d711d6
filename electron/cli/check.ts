/** `cluster-lab check --dir DIR [--json]`: the lab check, node by node, from inside the VMs. */
import { checkStatusWords } from '../../shared/doctor';
import { AppError } from '../../shared/errors';
import { call, FlagError, parseFlags, printJson, requireDir, type Command } from './command';

const usage = `Usage: cluster-lab check --dir DIR [--json]
Asks every running VM of the lab (vagrant ssh) whether the lab's promise holds: its only default route
goes via the LAN router on the bridged NIC, its resolvers are exactly the lab's DNS servers, its
bridged address has the LAN's prefix, nothing it sends to the Telepresence VIF's addresses goes back
through VirtualBox's NAT, and Kubernetes knows it by the lab's name and address.
Exit 0 when every node passes, 1 when one fails or could not be checked, 2 for bad input.
`;

export const checkCommand: Command = {
  name: 'check',
  summary: 'check from inside each VM that the lab cannot loop back into the Telepresence VIF',
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(argv, { dir: { type: 'string' }, json: { type: 'boolean', default: false } }, usage);
    const result = await call(services, 'lab.check', { dir: requireDir(values.dir, usage) }).catch((error: unknown) => {
      // A folder with no lab in it is a --dir to correct, not a lab that failed the check.
      if (error instanceof AppError && error.code === 'not_found') throw new FlagError('--dir', error.message, error.hint);
      throw error;
    });
    if (values.json) printJson(io, result);
    else {
      for (const node of result.nodes) {
        // The Run step's words for a node's verdict (renderer/components/NodeTable.tsx) and the doctor's for a check.
        const verdict = node.ok === null ? 'Not checked' : node.ok ? 'Loop-proof' : 'At risk';
        io.out(`${node.machine}: ${verdict}\n`);
        for (const check of node.checks) io.out(`  ${checkStatusWords[check.ok ? 'ok' : 'fail'].padEnd(8)}  ${check.id.padEnd(14)}${check.detail}\n`);
      }
      io.out(`Checked ${result.checkedAt}.\n`);
    }
    return result.ok ? 0 : 1;
  },
};
