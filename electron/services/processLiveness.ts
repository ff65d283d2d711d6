/**
 * Whether a process that left a record behind (the lab lock's holder and its Vagrant, a kubeconfig
 * lock or temporary file) still runs: its pid alone is not enough, since the OS gives a pid to
 * another process once it is free. So a record holds the start time too, and on Linux the boot.
 */
import { readFile } from 'node:fs/promises';
import { runTool } from './process';

/** proc(5): /proc/PID/stat's state (field 3) and start time in clock ticks since boot (field 22); null when there is no such file. */
async function procStat(pid: number): Promise<{ state: string; start: string } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  // The command name, in parentheses, may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields[0] && fields[19] ? { state: fields[0], start: fields[19] } : null;
}

/**
 * Process `pid`'s start time as ps(1) gives it (`Sun Dec  6 22:27:40 2026`, to the second), null
 * when there is no such process. On macOS, which has no /proc, /bin/ps is the system's own (ps(1):
 * `-o lstart=`, `-p`); its lstart is strftime's `%c` of the start in local time (apple-oss-distributions
 * adv_cmds, ps/print.c, lstarted; procps prints the same), which the C locale, and no TZ of the
 * caller's, keep the same text for every call.
 */
export async function psStart(pid: number, ps = '/bin/ps'): Promise<string | null> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const result = await runTool(ps, ['-o', 'lstart=', '-p', String(pid)], { env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' }, timeoutMs: 5_000 });
  const text = result.exitCode === 0 ? result.stdout.trim().replace(/\s+/g, ' ') : '';
  return /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} \d{4}$/.test(text) ? `lstart ${text}` : null;
}

/**
 * The start time of process `pid`: /proc's clock ticks on Linux, ps's on macOS; null on Windows or
 * when the process has gone. A pid given to another process since starts at another time.
 */
export async function processStart(pid: number, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  if (platform === 'darwin') return psStart(pid);
  return (await procStat(pid))?.start ?? null;
}

let bootIdRead: Promise<string | null> | null = null;
/** /proc/sys/kernel/random/boot_id (Linux): a record from before a reboot names no live process. */
export const thisBoot = () =>
  (bootIdRead ??= readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
    (text) => text.trim() || null,
    () => null,
  ));

/**
 * Whether process `pid`, started at `start` (null: not recorded) in boot `bootId` (null: not
 * recorded), still runs on this computer. A zombie has exited: it only waits for a parent that may
 * never reap it.
 */
export async function processAlive(pid: number, start: string | null, bootId: string | null): Promise<boolean> {
  const boot = await thisBoot();
  if (bootId && boot && bootId !== boot) return false;
  let othersProcess = false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
    othersProcess = true;
  }
  if (process.platform === 'darwin') {
    if (start === null) return true;
    // A start ps cannot give (the process ended between the two questions) is not the one recorded.
    return (await psStart(pid)) === start;
  }
  const stat = await procStat(pid);
  // No /proc (Windows), or another user's process that /proc hides (hidepid): kill(0) is all there
  // is to ask. Else the process ended between the two questions.
  if (!stat) return !boot || othersProcess;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return start === null || stat.start === start;
}
