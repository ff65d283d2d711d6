import { checkStatusWords } from '../../shared/doctor';
import { MAX_AGENTS } from '../../shared/lab/schema';
import { networkWarnings } from '../../shared/lab/plan';
import { skippedAddresses, skippedNotes } from '../../shared/labs';
import { call, FlagError, parseFlags, printJson, type Command } from './command';

const usage = `Usage: cluster-lab plan --nic NAME [--agents N] [--json]
Suggests static IPs for the server and N agents (default 2, at most ${MAX_AGENTS}) on NAME's subnet, the default route and DNS.
Addresses in this computer's neighbour table and those other labs use (cluster-lab labs) are skipped; nothing is sent
on the network. See cluster-lab nics for the names.
`;

export const planCommand: Command = {
  name: 'plan',
  summary: 'suggest the lab addresses on a network interface',
  usage,
  async run(argv, services, io) {
    const { values } = parseFlags(argv, { nic: { type: 'string' }, agents: { type: 'string' }, json: { type: 'boolean', default: false } }, usage);
    if (!values.nic) throw new FlagError('--nic', 'Say which network interface the lab bridges onto: --nic NAME.', 'cluster-lab nics lists them.');
    let agents: number | undefined;
    if (values.agents !== undefined) {
      agents = /^\d+$/.test(values.agents) ? Number(values.agents) : NaN;
      if (!(agents >= 0 && agents <= MAX_AGENTS))
        throw new FlagError('--agents', `--agents must be a whole number from 0 to ${MAX_AGENTS}, not "${values.agents}".`);
    }
    const config = await call(services, 'plan.suggest', { nic: values.nic, agents });
    const skipped = skippedAddresses(config, (await call(services, 'labs.addresses', {})).addresses, null);
    const plan = {
      nic: config.network.nic,
      bridge: config.network.bridge,
      subnet: config.network.subnet,
      gateway: config.network.gateway,
      dns: config.network.dns,
      server: { name: config.server.name, ip: config.server.ip },
      agents: config.agents.map((a) => ({ name: a.name, ip: a.ip })),
      skipped,
    };
    if (values.json) {
      printJson(io, plan);
      return 0;
    }
    io.out(`NIC ${plan.nic} (bridge "${plan.bridge}") on ${plan.subnet}\n  default route ${plan.gateway}, DNS ${plan.dns.join(', ')}\n`);
    io.out(`  ${plan.server.name.padEnd(12)}${plan.server.ip}  (server)\n`);
    for (const agent of plan.agents) io.out(`  ${agent.name.padEnd(12)}${agent.ip}\n`);
    for (const note of skippedNotes(skipped)) io.err(`${note}\n`);
    for (const warning of networkWarnings(config, await call(services, 'nics.list', {}))) io.err(`${checkStatusWords.warn}: ${warning.message}\n`);
    return 0;
  },
};
