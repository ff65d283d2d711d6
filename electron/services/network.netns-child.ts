/**
 * Run by network.test.ts inside a network namespace (`ip netns exec NS tsx this-file NIC`): real
 * detection and the plan as the app would run them there, printed as JSON for the test to check.
 */
import { toErrorInfo } from '../../shared/errors';
import { createContext } from './context';
import { detectNics, planLab } from './network';

const ctx = createContext();
const report = await detectNics(ctx);
const plan = await planLab(ctx, { nic: process.argv[2] ?? '', agents: 2 }).catch((error: unknown) => ({ error: toErrorInfo(error) }));
process.stdout.write(JSON.stringify({ report, plan }));
