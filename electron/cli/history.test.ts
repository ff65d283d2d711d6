import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeToolsContext } from '../../fixtures/env';
import { tempDirs } from '../../fixtures/tmp';
import { seedLab } from '../../shared/render/testing';
import { writeLab } from '../services/labFolder';
import { jsonOut } from './jsonShapes.testing';
import { runCli } from './runCli';

const tempDir = tempDirs('cli-history');
let home: string;
let dir: string;

beforeEach(async () => {
  home = await tempDir();
  dir = path.join(home, 'lab');
  await writeLab(dir, seedLab());
});

describe('cluster-lab jobs', () => {
  it("lists the lab's jobs newest first from logs/, ignoring files that are not its logs; --json holds to its schema", async () => {
    const env = fakeToolsContext(home);
    expect((await runCli(['up', '--dir', dir], env)).code).toBe(0);
    expect((await runCli(['down', '--dir', dir], env)).code).toBe(0);
    await writeFile(path.join(dir, 'logs', 'notes.log'), 'not a job\n');
    await mkdir(path.join(dir, 'logs', '20261201T100000Z-up-mi5x7q80-abcdef.log'));

    const json = await runCli(['jobs', '--dir', dir, '--json'], env);
    expect(json.code, json.err).toBe(0);
    const { jobs } = jsonOut<{ jobs: { kind: string; result: string; logFile: string; bytes: number }[] }>('jobs', json.out);
    expect(jobs.map((j) => [j.kind, j.result])).toEqual([
      ['down', 'succeeded'],
      ['up', 'succeeded'],
    ]);
    expect(jobs[1]!.logFile).toMatch(new RegExp(`^${path.join(dir, 'logs')}/\\d{8}T\\d{6}Z-up-[0-9a-z]+-[0-9a-f]{6}\\.log$`));
    expect(jobs[1]!.bytes).toBeGreaterThan(0);

    const text = await runCli(['jobs', '--dir', dir], env);
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[0]).toMatch(/^\S+Z {2}down +succeeded/);
    // Two jobs through the fakes: on a loaded machine more than the default 30 s.
  }, 120_000);

  it('says when there are none, and names --dir when the folder has no lab', async () => {
    const env = fakeToolsContext(home);
    expect(await runCli(['jobs', '--dir', dir], env)).toMatchObject({ code: 0, out: expect.stringContaining('No jobs have run on this lab yet') });
    const none = await runCli(['jobs', '--dir', path.join(home, 'nothing'), '--json'], env);
    expect(none.code).toBe(2);
    expect(jsonOut('error', none.out)).toMatchObject({ error: { field: '--dir' } });
  });
});
