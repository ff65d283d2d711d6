/** The host machine's own architecture, which is what VirtualBox runs guests of (and so which k3s build they need). */
import type { ServiceContext } from './context';
import { runTool } from './process';

/**
 * The Mac's own architecture: an Intel build of the app under Rosetta sees x64 from os.arch(), while
 * sysctl.proc_translated is 1 (Apple's "About the Rosetta translation environment"), so the Apple
 * silicon rules still apply.
 */
export function machineArch(platform: NodeJS.Platform, processArch: string, procTranslated: string | null): string {
  return platform === 'darwin' && processArch === 'x64' && procTranslated?.trim() === '1' ? 'arm64' : processArch;
}

/** sysctl's answer on a Mac (null elsewhere, or when it does not answer). */
export async function procTranslated(ctx: ServiceContext): Promise<string | null> {
  if (ctx.platform !== 'darwin') return null;
  const result = await runTool('/usr/sbin/sysctl', ['-n', 'sysctl.proc_translated'], { env: ctx.env, timeoutMs: 5_000 });
  return result.exitCode === 0 ? result.stdout : null;
}

/** This machine's architecture in Node's names (`x64`, `arm64`), Rosetta seen through. */
export async function hostMachineArch(ctx: ServiceContext, processArch: string = process.arch): Promise<string> {
  return machineArch(ctx.platform, processArch, await procTranslated(ctx));
}
