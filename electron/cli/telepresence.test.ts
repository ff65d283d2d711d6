import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonOut } from './jsonShapes.testing';
import { runCli } from './runCli';
import { tempDirs } from '../../fixtures/tmp';

const tempDir = tempDirs('cli-telepresence');

const run = (argv: string[], env: NodeJS.ProcessEnv) => runCli(argv, { env, platform: 'linux' });

async function xdg() {
  const home = await tempDir('cl-tpcli-');
  const env = { PATH: '', XDG_CONFIG_HOME: path.join(home, 'cfg'), XDG_CONFIG_DIRS: path.join(home, 'sys') };
  return { env, file: path.join(home, 'cfg', 'telepresence', 'config.yml'), home };
}

describe('cluster-lab telepresence', () => {
  it('writes the block, then --show --json reports it', async () => {
    const { env, file } = await xdg();
    const set = await run(['telepresence', '--recursion-block', '1ms'], env);
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toContain('routing.recursionBlockDuration: 1ms');
    const show = await run(['telepresence', '--show', '--json'], env);
    expect(show.code).toBe(0);
    // No telepresence on PATH: whether the setting is acted on is not known.
    expect(jsonOut('telepresence', show.out)).toEqual({
      schemaVersion: 1,
      path: file,
      exists: true,
      recursionBlockDuration: '1ms',
      problem: null,
      recursionBlockHonoured: null,
      routeController: { available: null },
      system: { paths: [], path: null, recursionBlockDuration: null },
      binary: { path: null, version: null },
    });
  });

  it('shows a value the system-wide config the installed client reads sets, and that the user file overrides it', async () => {
    const { env: bare, home } = await xdg();
    const bin = path.join(home, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'telepresence'), '#!/bin/sh\necho "OSS Client : v2.26.2"\n', { mode: 0o755 });
    const env = { ...bare, PATH: bin };
    const system = path.join(home, 'sys', 'telepresence', 'config.yml');
    await mkdir(path.dirname(system), { recursive: true });
    await writeFile(system, 'routing:\n  recursionBlockDuration: 5ms\n');
    const shown = await run(['telepresence', '--show'], env);
    expect(shown.out).toContain(`the system config ${system} sets it to 5ms (in effect: this file does not set it)`);
    expect(jsonOut('telepresence', (await run(['telepresence', '--show', '--json'], env)).out)).toMatchObject({
      system: { paths: [system], path: system, recursionBlockDuration: '5ms' },
      binary: { path: path.join(bin, 'telepresence'), version: '2.26.2' },
    });
    await run(['telepresence', '--recursion-block', '1ms'], env);
    expect((await run(['telepresence', '--show'], env)).out).toContain('sets it to 5ms (this file overrides it)');
  });

  it('--show --json on a missing file says so, and --remove takes the block out', async () => {
    const { env, home } = await xdg();
    const config = path.join(home, 'mine.yml');
    expect(jsonOut('telepresence', (await run(['telepresence', '--show', '--config', config, '--json'], env)).out)).toEqual({
      schemaVersion: 1,
      path: config,
      exists: false,
      recursionBlockDuration: null,
      problem: null,
      recursionBlockHonoured: null,
      routeController: { available: null },
      system: { paths: [], path: null, recursionBlockDuration: null },
      binary: { path: null, version: null },
    });
    await run(['telepresence', '--recursion-block', '2s', '--config', config], env);
    expect((await run(['telepresence', '--remove', '--config', config], env)).code).toBe(0);
    expect(await readFile(config, 'utf8')).toBe('');
  });

  it('exits 2 with the reason for a bad duration or invalid YAML, leaving the file as it was', async () => {
    const { env, file } = await xdg();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'routing: [\n');
    const badDuration = await run(['telepresence', '--recursion-block', 'fast'], env);
    expect(badDuration.code).toBe(2);
    expect(badDuration.err).toMatch(/"fast" is not a Go duration.*1ms/);
    const tooLong = await run(['telepresence', '--recursion-block', '9999999999h'], env);
    expect(tooLong.code).toBe(2);
    expect(tooLong.err).toContain(
      'routing.recursionBlockDuration "9999999999h" is longer than Go (and so Telepresence) can hold: give at most 2562047h47m16.854775807s',
    );
    const badYaml = await run(['telepresence', '--recursion-block', '1ms'], env);
    expect(badYaml.code).toBe(2);
    expect(badYaml.err).toMatch(/not valid YAML at line/);
    expect((await run(['telepresence', '--show'], env)).code).toBe(2);
    expect(await readFile(file, 'utf8')).toBe('routing: [\n');
  });

  it('wants exactly one action', async () => {
    const { env } = await xdg();
    const none = await run(['telepresence'], env);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/exactly one of --recursion-block/);
  });
});
