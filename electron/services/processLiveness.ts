/**
 * Whether a process that left a record behind (the lab lock's holder and its Vagrant, a kubeconfig
 * lock or temporary file) still runs: its pid alone is not enough, since the OS gives a pid to
 * another process once it is free. So a record holds the start time too, and on Linux the boot.
 */
import { readFile } from 'node:fs/promises';

/** proc(5): /proc/PID/stat's state (field 3) and start time in clock ticks since boot (field 22); null when there is no such file. */
async function procStat(pid: number): Promise<{ state: string; start: string } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  // The command name, in parentheses, may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields[0] && fields[19] ? { state: fields[0], start: fields[19] } : null;
}

/** The start time of process `pid` (Linux), null where there is no /proc or the process has gone. */
export const processStart = async (pid: number): Promise<string | null> => (await procStat(pid))?.start ?? null;

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
  const stat = await procStat(pid);
  // No /proc (macOS, Windows), or another user's process that /proc hides (hidepid): kill(0) is all
  // there is to ask. Else the process ended between the two questions.
  if (!stat) return !boot || othersProcess;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return start === null || stat.start === start;
}
