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

/** What ps says of a process: its start (seconds since 1970, digits only), that there is none, or nothing (ps did not answer). */
type PsAnswer = { start: string } | 'gone' | 'unknown';

/**
 * Ask ps(1) for process `pid`'s state and start. On macOS, which has no /proc, /bin/ps is the
 * system's own (`-o stat= -o lstart= -p PID`); its lstart is strftime's `%c` of the start in local
 * time (apple-oss-distributions adv_cmds, ps/print.c, lstarted; procps prints the same). Run in the C
 * locale and in UTC, and kept as seconds, the start is the same text whatever time zone the computer
 * moves to, and fits in a file name (the kubeconfig writer's temporary files carry it).
 */
async function askPs(pid: number, ps: string): Promise<PsAnswer> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return 'gone';
  const result = await runTool(ps, ['-o', 'stat=', '-o', 'lstart=', '-p', String(pid)], {
    env: { LC_ALL: 'C', TZ: 'UTC0', PATH: '/usr/bin:/bin' },
    timeoutMs: 5_000,
  });
  const text = result.stdout.trim().replace(/\s+/g, ' ');
  // ps exits 1, printing nothing, when no process matched.
  if (result.exitCode === 1 && text === '') return 'gone';
  const match = result.exitCode === 0 ? /^(\S+) [A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{1,2}) (\d{2}:\d{2}:\d{2}) (\d{4})$/.exec(text) : null;
  if (!match) return 'unknown';
  // A zombie has exited: it only waits for a parent that may never reap it.
  if (match[1]!.startsWith('Z')) return 'gone';
  const seconds = Date.parse(`${match[2]} ${match[3]} ${match[5]} ${match[4]} UTC`) / 1000;
  return Number.isSafeInteger(seconds) ? { start: String(seconds) } : 'unknown';
}

/** Process `pid`'s start by ps, in seconds since 1970; null when it has gone or ps cannot say. */
export async function psStart(pid: number, ps = '/bin/ps'): Promise<string | null> {
  const answer = await askPs(pid, ps);
  return typeof answer === 'object' ? answer.start : null;
}

/** kill(pid, 0): whether there is such a process at all, and whether it is another user's (EPERM), without asking ps. */
function signalZero(pid: number): 'gone' | 'ours' | 'others' {
  try {
    process.kill(pid, 0);
    return 'ours';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'others' : 'gone';
  }
}

/**
 * The start time of process `pid`: /proc's clock ticks on Linux, ps's seconds on macOS; null on
 * Windows or when the process has gone. A pid given to another process since starts at another time.
 */
export async function processStart(pid: number, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  if (platform === 'darwin') return signalZero(pid) === 'gone' ? null : psStart(pid);
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
  const found = signalZero(pid);
  if (found === 'gone') return false;
  if (process.platform === 'darwin') {
    if (start === null) return true;
    const answer = await askPs(pid, '/bin/ps');
    // A ps that did not answer tells nothing: kill(0) found the process, so it is taken as alive.
    return answer === 'unknown' || (answer !== 'gone' && answer.start === start);
  }
  const stat = await procStat(pid);
  // No /proc (Windows), or another user's process that /proc hides (hidepid): kill(0) is all there
  // is to ask. Else the process ended between the two questions.
  if (!stat) return !boot || found === 'others';
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return start === null || stat.start === start;
}
