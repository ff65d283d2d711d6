import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions, detectTool, findExecutable, parseToolVersion, requireTools } from './tools';
import { tempDirs } from '../../fixtures/tmp';

const tempDir = tempDirs('tools');

async function fakeTool(dir: string, name: string, script: string, mode = 0o755) {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, mode);
  return file;
}

describe('tool versions', () => {
  it('reads each tool’s own version output', () => {
    expect(parseToolVersion('vagrant', 'Vagrant 2.3.4\n')).toBe('2.3.4');
    expect(parseToolVersion('VBoxManage', '7.0.14r161095\n')).toBe('7.0.14');
    expect(parseToolVersion('kubectl', JSON.stringify({ clientVersion: { gitVersion: 'v1.32.4' } }))).toBe('1.32.4');
    expect(parseToolVersion('kubectl', 'Client Version: v1.27.3\nKustomize Version: v5.0.1')).toBe('1.27.3');
    expect(parseToolVersion('telepresence', 'OSS Client         : v2.21.1\nRoot Daemon        : not running')).toBe('2.21.1');
    expect(parseToolVersion('vagrant', 'command not found')).toBeNull();
  });

  it('compares versions numerically', () => {
    expect(compareVersions('2.10.0', '2.9.9')).toBeGreaterThan(0);
    expect(compareVersions('7.0.14', '7.0.14')).toBe(0);
    expect(compareVersions('1.28', '1.28.0')).toBe(0);
    expect(compareVersions('6.1.50', '7.0.0')).toBeLessThan(0);
  });
});

describe('finding tools', () => {
  it('finds an executable on PATH, skipping files that are not executable', async () => {
    const a = await tempDir('cl-a-');
    const b = await tempDir('cl-b-');
    await fakeTool(a, 'vagrant', 'echo nope', 0o644);
    const good = await fakeTool(b, 'vagrant', 'echo "Vagrant 2.4.1"');
    const ctx = { env: { PATH: `${a}:${b}` }, platform: 'linux' as const };
    expect(await findExecutable('vagrant', ctx)).toBe(good);
    expect(await detectTool('vagrant', ctx)).toEqual({ found: true, path: good, version: '2.4.1' });
  });

  it('reports a tool that is found but whose version cannot be read', async () => {
    const dir = await tempDir('cl-c-');
    await fakeTool(dir, 'VBoxManage', 'echo "WARNING: The vboxdrv kernel module is not loaded." >&2; exit 1');
    const info = await detectTool('VBoxManage', { env: { PATH: dir }, platform: 'linux' });
    expect(info).toMatchObject({ found: true, version: null, error: expect.stringMatching(/exit 1/) });
  });

  it('refuses a job without its tools, naming each and where to get it, and no button: the Run step and the CLI have no Re-check', async () => {
    const refused = requireTools({ env: { PATH: '' }, platform: 'linux' }, ['vagrant', 'kubectl']);
    await expect(refused).rejects.toMatchObject({
      code: 'tool_missing',
      message: 'Vagrant and kubectl are not installed (not found on PATH).',
      hint: expect.stringContaining('https://developer.hashicorp.com/vagrant/install'),
    });
    await expect(refused).rejects.toMatchObject({ hint: expect.not.stringMatching(/Re-check|press/) });
  });

  it('reports a missing tool as not found', async () => {
    expect(await detectTool('telepresence', { env: { PATH: '' }, platform: 'linux' })).toEqual({ found: false, path: null, version: null });
  });
});
