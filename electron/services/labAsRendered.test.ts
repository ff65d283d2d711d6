import { existsSync } from 'node:fs';
import { appendFile, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedBridgeEnv } from '../../fixtures/env';
import { tempDirs } from '../../fixtures/tmp';
import { seedLab } from '../../shared/render/testing';
import { createContext } from './context';
import { LabRunner } from './jobs';
import { assertLabAsRendered } from './labAsRendered';
import { checkLab } from './labCheck';
import { writeLab } from './labFolder';

const tempDir = tempDirs('as-rendered');
const fakeBin = path.resolve(import.meta.dirname, '../../fixtures/bin');

async function writtenLab() {
  const home = await tempDir('home-');
  const dir = path.join(home, 'lab');
  await writeLab(dir, seedLab());
  return { home, dir };
}

/** Ruby that leaves a mark when anything loads it, as `vagrant status` would (and the fake vagrant's own reading). */
const planted = (mark: string) => `File.write(${JSON.stringify(mark)}, 'ran')\n`;

describe('assertLabAsRendered', () => {
  it('passes a lab exactly as Cluster Lab wrote it', async () => {
    const { dir } = await writtenLab();
    await expect(assertLabAsRendered(dir, seedLab())).resolves.toBeUndefined();
  });

  it('refuses a Vagrantfile that differs from what lab.json renders, naming the file and the way back', async () => {
    const { dir } = await writtenLab();
    await appendFile(path.join(dir, 'Vagrantfile'), planted('/nonexistent/mark'));
    const refusal = assertLabAsRendered(dir, seedLab());
    await expect(refusal).rejects.toMatchObject({
      code: 'failed',
      message: expect.stringContaining(`${path.join(dir, 'Vagrantfile')} is not what Cluster Lab writes for this lab's lab.json`),
      hint: expect.stringContaining(`cluster-lab render --dir ${dir} --config ${path.join(dir, 'lab.json')}`),
    });
    await expect(refusal).rejects.toMatchObject({ message: expect.stringContaining('Vagrant runs it as Ruby on this computer') });
  });

  it('refuses a registry.yaml kubectl would apply that is not the rendered one', async () => {
    const { dir } = await writtenLab();
    await appendFile(path.join(dir, 'registry.yaml'), '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: theirs\n');
    await expect(assertLabAsRendered(dir, seedLab())).rejects.toMatchObject({
      message: expect.stringContaining('kubectl would apply it to the lab'),
    });
  });

  it('refuses a missing Vagrantfile and one that is a link, even to the rendered text', async () => {
    const { home, dir } = await writtenLab();
    const vagrantfile = path.join(dir, 'Vagrantfile');
    const rendered = await readFile(vagrantfile, 'utf8');
    await rm(vagrantfile);
    await expect(assertLabAsRendered(dir, seedLab())).rejects.toMatchObject({
      message: `${vagrantfile} is missing: Cluster Lab runs only a lab it has written.`,
    });
    await writeFile(path.join(home, 'elsewhere'), rendered);
    await symlink(path.join(home, 'elsewhere'), vagrantfile);
    await expect(assertLabAsRendered(dir, seedLab())).rejects.toMatchObject({ message: expect.stringContaining('is a symbolic link') });
  });
});

describe('a lab folder from elsewhere runs no Ruby on the host', () => {
  it.each([
    {
      what: 'a planted Vagrantfile',
      plant: (dir: string, ruby: string) => appendFile(path.join(dir, 'Vagrantfile'), ruby),
      refused: (dir: string) => `${path.join(dir, 'Vagrantfile')} is not what Cluster Lab writes for this lab's lab.json`,
    },
    {
      what: 'a .vagrantplugins, which Vagrant loads before the Vagrantfile',
      plant: (dir: string, ruby: string) => writeFile(path.join(dir, '.vagrantplugins'), ruby),
      refused: (dir: string) =>
        `${path.join(dir, '.vagrantplugins')} is in the lab folder: Vagrant runs it as Ruby on this computer before the Vagrantfile`,
    },
  ])(
    'Up, status and the lab check refuse $what before any vagrant loads it',
    async ({ plant, refused }) => {
      const { home, dir } = await writtenLab();
      const mark = path.join(home, 'ruby-ran');
      await plant(dir, planted(mark));
      const timeline = path.join(home, 'timeline');
      const ctx = createContext({
        env: {
          ...process.env,
          PATH: [fakeBin, process.env.PATH ?? ''].join(path.delimiter),
          HOME: home,
          FAKE_VAGRANT_TIMELINE: timeline,
          ...seedBridgeEnv(),
        },
        homeDir: home,
      });
      const runner = new LabRunner(ctx);
      await expect(runner.start(dir, 'up')).rejects.toMatchObject({ message: expect.stringContaining(refused(dir)), hint: expect.any(String) });
      expect((await runner.status(dir)).error).toContain(refused(dir));
      await expect(checkLab(ctx, dir)).rejects.toMatchObject({ message: expect.stringContaining(refused(dir)) });
      expect(existsSync(mark)).toBe(false);
      expect(existsSync(timeline)).toBe(false);
    },
    60_000,
  );
});
