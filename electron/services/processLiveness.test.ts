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
import { processStart, psStart } from './processLiveness';

const ps = '/bin/ps';
const tempDir = tempDirs('ps');

describe('psStart', () => {
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  afterAll(() => void sleeper.kill('SIGKILL'));

  it("gives a live process's start to the second, the same each time, and nothing once it has gone", async () => {
    const start = await psStart(sleeper.pid!, ps);
    expect(start).toMatch(/^lstart [A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} \d{4}$/);
    expect(await psStart(sleeper.pid!, ps)).toBe(start);
    // Started just now: the same minute as this clock (ps prints local time, as Date does here).
    const [, , month, day, time, year] = start!.split(' ');
    const at = new Date(`${month} ${day} ${year} ${time}`);
    expect(Math.abs(at.getTime() - Date.now())).toBeLessThan(60_000);

    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    const otherStart = await psStart(other.pid!, ps);
    other.kill('SIGKILL');
    await once(other, 'exit');
    expect(await psStart(other.pid!, ps)).toBeNull();
    expect(otherStart).not.toBeNull();
  });

  it('asks nothing for a pid that is not one, and takes no answer that is not a start time', async () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(await psStart(pid, ps)).toBeNull();
    const dir = await tempDir();
    const liar = path.join(dir, 'ps');
    await writeFile(liar, '#!/bin/sh\necho "$(date); rm -rf ~"\n');
    await chmod(liar, 0o755);
    expect(await psStart(process.pid, liar)).toBeNull();
  });

  it('is what processStart gives on macOS; Linux keeps /proc', async () => {
    expect(await processStart(sleeper.pid!, 'darwin')).toBe(await psStart(sleeper.pid!, ps));
    expect(await processStart(sleeper.pid!, 'linux')).toMatch(/^\d+$/);
  });
});
