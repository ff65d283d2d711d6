/** `cluster-lab labs`: the app's list of labs in a terminal, its --json held to shared/cli-json/labs.schema.json. */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { age } from '../../shared/age';
import { describe, expect, it } from 'vitest';
import { fakeToolsContext } from '../../fixtures/env';
import { tempDirs } from '../../fixtures/tmp';
import type { LabList } from '../../shared/labs';
import { seedLab } from '../../shared/render/testing';
import { recordCheck, recordStates } from '../services/labs/recorded';
import { jsonOut } from './jsonShapes.testing';
import { runCli } from './runCli';

const tempDir = tempDirs('cli-labs');

/** A HOME and XDG_CONFIG_HOME of their own (the registry lives in the app's data folder under it). */
async function home() {
  const homeDir = await tempDir('home-');
  const context = fakeToolsContext(homeDir, { XDG_CONFIG_HOME: path.join(homeDir, 'xdg') });
  return { homeDir, run: (argv: string[]) => runCli(argv, context) };
}

describe('cluster-lab labs', () => {
  it('says there are none yet, then lists what render wrote and ~/ClusterLab holds, as a table and as --json', async () => {
    const { homeDir, run } = await home();
    expect(await run(['labs'])).toMatchObject({ code: 0, out: 'No labs yet: write one with cluster-lab render (or the app).\n' });
    expect(jsonOut<LabList>('labs', (await run(['labs', '--json'])).out)).toEqual({ schemaVersion: 1, labs: [], problem: null });

    const dir = path.join(homeDir, 'work', 'seed');
    const config = path.join(homeDir, 'seed.json');
    await writeFile(config, JSON.stringify(seedLab()));
    expect((await run(['render', '--dir', dir, '--config', config])).code).toBe(0);
    await mkdir(path.join(dir, '.vagrant', 'machines', 'server', 'virtualbox'), { recursive: true });
    await writeFile(path.join(dir, '.vagrant', 'machines', 'server', 'virtualbox', 'id'), 'a3f1e2d4');
    await recordStates(dir, [{ name: 'server', state: 'running' }], new Date('2026-12-06T05:00:00.000Z'));
    await recordCheck(dir, {
      ok: true,
      checkedAt: '2026-12-06T05:00:00.000Z',
      nodes: [{ machine: 'server', ok: true, checks: [] }],
    });
    const broken = path.join(homeDir, 'ClusterLab', 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, 'lab.json'), '{ not json');

    const table = await run(['labs']);
    expect(table.code).toBe(0);
    expect(table.out).toBe(
      [
        `cluster-lab  ${dir}`,
        '  machines  server running, agent1 not created (from .vagrant/), agent2 not created (from .vagrant/)',
        `  check     Loop-proof, checked ${age('2026-12-06T05:00:00.000Z', Date.now())} (2026-12-06T05:00:00.000Z)`,
        '',
        `(unreadable)  ${broken}  (found in ~/ClusterLab)`,
        `  problem   ${path.join(broken, 'lab.json')} is not valid JSON: ${(() => {
          try {
            JSON.parse('{ not json');
          } catch (error) {
            return (error as Error).message;
          }
        })()}.`,
        '',
      ].join('\n'),
    );
    const list = jsonOut<LabList & { schemaVersion: number }>('labs', (await run(['labs', '--json'])).out);
    expect(Object.keys(list)).toEqual(['schemaVersion', 'labs', 'problem']);
    expect(list.labs.map((lab) => [lab.name, lab.dir, lab.registered])).toEqual([
      ['cluster-lab', dir, true],
      [null, broken, false],
    ]);
    expect(list.labs[0]).toMatchObject({
      machines: [
        { name: 'server', role: 'server', state: 'running', stateAt: '2026-12-06T05:00:00.000Z' },
        { name: 'agent1', state: 'not_created', stateAt: null },
        { name: 'agent2', state: 'not_created', stateAt: null },
      ],
      job: null,
      running: null,
      check: { verdict: 'loop-proof', stale: null },
      problem: null,
    });
  });

  it('--forget takes a lab off the list and leaves its folder; --delete needs --yes without a terminal, and is refused while a VM exists', async () => {
    const { homeDir, run } = await home();
    const dir = path.join(homeDir, 'work', 'seed');
    const config = path.join(homeDir, 'seed.json');
    await writeFile(config, JSON.stringify(seedLab()));
    await run(['render', '--dir', dir, '--config', config]);
    expect(jsonOut('labs', (await run(['labs', '--forget', dir, '--json'])).out)).toEqual({ schemaVersion: 1, dir, forgotten: true });
    expect((await run(['labs', '--forget', dir])).out).toBe(`${dir} was not in the registry.\n`);
    expect(jsonOut<LabList>('labs', (await run(['labs', '--json'])).out).labs).toEqual([]);
    expect(await readdir(dir)).toContain('lab.json');

    const unconfirmed = await run(['labs', '--delete', dir]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.err).toMatch(/without confirmation/);
    await mkdir(path.join(dir, '.vagrant', 'machines', 'agent1', 'virtualbox'), { recursive: true });
    await writeFile(path.join(dir, '.vagrant', 'machines', 'agent1', 'virtualbox', 'id'), 'a3f1e2d4');
    const refused = await run(['labs', '--delete', dir, '--yes', '--json']);
    expect(refused.code).toBe(1);
    expect(jsonOut<{ error: { code: string; message: string } }>('error', refused.out).error).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/still has VM agent1/),
    });
    // Destroyed: Vagrant removes the id and leaves the rest of .vagrant.
    await rm(path.join(dir, '.vagrant', 'machines', 'agent1', 'virtualbox', 'id'));
    const deleted = jsonOut<{ removed: string[]; folderRemoved: boolean }>('labs', (await run(['labs', '--delete', dir, '--yes', '--json'])).out);
    expect(deleted).toMatchObject({ folderRemoved: true, removed: expect.arrayContaining(['lab.json', 'Vagrantfile', '.vagrant']) });
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });

  it('--forget and --delete go one at a time; --yes is only for --delete', async () => {
    const { run } = await home();
    expect((await run(['labs', '--forget', '/x', '--delete', '/y'])).code).toBe(2);
    expect((await run(['labs', '--yes'])).err).toMatch(/--yes is only for --delete/);
  });
});
