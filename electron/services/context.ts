/**
 * What every service reads from the outside world, passed in rather than taken from globals, so
 * the CLI, the browser host, the app and the tests can each run the same code against their own
 * PATH, home folder and platform.
 */
import os from 'node:os';
import { EventBus } from './events';
import { readNetworkFacts, type NetworkFacts } from './networkFacts';

export interface ServiceContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homeDir: string;
  events: EventBus;
  /** The OS's interfaces and default route: in-process, or on a worker thread for a shell with a window. */
  readNetworkFacts: () => Promise<NetworkFacts>;
}

export function createContext(overrides: Partial<ServiceContext> = {}): ServiceContext {
  return {
    env: overrides.env ?? process.env,
    platform: overrides.platform ?? process.platform,
    homeDir: overrides.homeDir ?? os.homedir(),
    events: overrides.events ?? new EventBus(),
    readNetworkFacts: overrides.readNetworkFacts ?? readNetworkFacts,
  };
}
