/**
 * Start times where there is no /proc: macOS asks ps(1) (`-o lstart=`), which procps's ps answers in
 * the same form here, so the same reading is checked against a real ps.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../fixtures/tmp';
import { runTool } from './process';
import { processStart, psStart } from './processLiveness';

const ps = '/bin/ps';
const tempDir = tempDirs('ps');

describe('psStart', () => {
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  afterAll(() => void sleeper.kill('SIGKILL'));

  it("gives a live process's start in seconds since 1970, the same each time, and nothing once it has gone", async () => {
    const start = await psStart(sleeper.pid!, ps);
    expect(start).toMatch(/^\d+$/);
    expect(await psStart(sleeper.pid!, ps)).toBe(start);
    // Started just now, to the second.
    expect(Math.abs(Number(start) * 1000 - Date.now())).toBeLessThan(60_000);

    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    const otherStart = await psStart(other.pid!, ps);
    other.kill('SIGKILL');
    await once(other, 'exit');
    expect(await psStart(other.pid!, ps)).toBeNull();
    expect(otherStart).toMatch(/^\d+$/);
  });

  it('gives nothing for a zombie: it has exited, only nobody reaped it', async () => {
    // sh starts `sleep 0` and becomes `sleep 60`, which never waits for it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
    const zombie = Number(line.toString().trim());
    try {
      await expect.poll(async () => (await runTool(ps, ['-o', 'stat=', '-p', String(zombie)])).stdout.trim()).toMatch(/^Z/);
      expect(await psStart(zombie, ps)).toBeNull();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('asks nothing for a pid that is not one, and takes no answer that is not a start time', async () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(await psStart(pid, ps)).toBeNull();
    const dir = await tempDir();
    const liar = path.join(dir, 'ps');
    await writeFile(liar, '#!/bin/sh\necho "S $(date); rm -rf ~"\n');
    await chmod(liar, 0o755);
    expect(await psStart(process.pid, liar)).toBeNull();
  });

  it('is what processStart gives on macOS; Linux keeps /proc', async () => {
    expect(await processStart(sleeper.pid!, 'darwin')).toBe(await psStart(sleeper.pid!, ps));
    expect(await processStart(sleeper.pid!, 'linux')).toMatch(/^\d+$/);
  });
});
