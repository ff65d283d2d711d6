/** The seed document's own lab, as a LabConfig: the golden Vagrantfile and most tests start here. */
import { defaultLabConfig, type LabConfig } from '../lab/schema';

/** The release the seed lab pins; tests place a stand-in of it where Up would. */
export const SEED_K3S_VERSION = 'v1.33.5+k3s1';

export function seedLab(): LabConfig {
  const lab = defaultLabConfig();
  return {
    ...lab,
    network: { nic: 'wlp5s0', bridge: 'wlp5s0', subnet: '192.168.1.0/24', hostIp: '', gateway: '192.168.1.1', dns: ['8.8.8.8'] },
    server: { name: 'multi', ip: '192.168.1.110' },
    agents: [
      { name: 'agent1', ip: '192.168.1.111' },
      { name: 'agent2', ip: '192.168.1.112' },
    ],
    // Written labs carry the release their channel resolved to (lab.write resolves it).
    k3s: { source: 'channel', value: 'stable', version: SEED_K3S_VERSION },
  };
}
