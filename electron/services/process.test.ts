import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupAlive, parseProcStat } from './process';

describe('whether a process group still runs', () => {
  it('reads state and process group from /proc/PID/stat, whatever the command name holds', () => {
    expect(parseProcStat('4242 (vagrant) S 1 4242 4242 0 -1 4194560 ...')).toEqual({ state: 'S', pgrp: 4242 });
    expect(parseProcStat('77 (ruby (x) y) Z 4242 4242 4242 0 -1')).toEqual({ state: 'Z', pgrp: 4242 });
  });

  it.skipIf(process.platform !== 'linux')('counts a zombie as gone, though kill(-pgid, 0) still finds it', async () => {
    // A parent that never reaps: its child leads a group of its own, exits, and stays a zombie.
    const parent = spawn(
      'python3',
      ['-c', 'import os,sys,time\npid=os.fork()\nif pid==0:\n  os.setpgid(0,0); os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        detached: true,
      },
    );
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
      // Wait for the child to have exited (it is a zombie once /proc says Z).
      for (let i = 0; i < 100 && parseProcStat(readFileSync(`/proc/${zombie}/stat`, 'utf8'))?.state !== 'Z'; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(() => process.kill(-zombie, 0)).not.toThrow();
      expect(groupAlive(zombie)).toBe(false);
      // The parent leads a group of its own (detached), and it runs.
      expect(groupAlive(parent.pid!)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
