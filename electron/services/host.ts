/** Host facts: the machine and the tools on it. */
import os from 'node:os';
import type { HostFacts, HostInfo } from '../../shared/host';
import type { ServiceContext } from './context';
import { detectTools } from './tools';

const osNames: Record<string, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };

export function hostInfo(platform: NodeJS.Platform = process.platform): HostInfo {
  return {
    platform,
    osName: osNames[platform] ?? platform,
    release: os.release(),
    arch: os.arch(),
    hostname: os.hostname(),
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
  };
}

export async function hostFacts(ctx: ServiceContext): Promise<HostFacts> {
  return { host: hostInfo(ctx.platform), tools: await detectTools(ctx) };
}
