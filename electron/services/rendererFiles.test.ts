import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../fixtures/tmp';
import { rendererFile, rendererPath } from './rendererFiles';

const tempDir = tempDirs('renderer-files');

describe('rendererPath', () => {
  const root = path.resolve('/opt/cluster-lab/out/renderer');

  it('names the page for the root, and files inside the folder for their paths', () => {
    expect(rendererPath(root, '/')).toBe(path.join(root, 'index.html'));
    expect(rendererPath(root, '')).toBe(path.join(root, 'index.html'));
    expect(rendererPath(root, '/assets/index-abc.js')).toBe(path.join(root, 'assets', 'index-abc.js'));
    expect(rendererPath(root, '//assets/a%20b.css')).toBe(path.join(root, 'assets', 'a b.css'));
    expect(rendererPath(`${root}/`, '/icon.svg')).toBe(path.join(root, 'icon.svg'));
    // A relative path keeps its inner slashes; only leading ones go.
    expect(rendererPath(root, 'assets//app.js')).toBe(path.join(root, 'assets', 'app.js'));
  });

  it('refuses every way out of the folder, and what it cannot decode', () => {
    for (const pathname of [
      '/../main/index.js',
      '/..%2fmain%2findex.js',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/../../renderer-other/x',
      '/..',
      '/%2e%2e',
      '/index.html%00.png',
      '/%E0%A4%A',
      '/../renderer2/index.html',
    ])
      expect(rendererPath(root, pathname), pathname).toBeNull();
  });

  it('keeps a path that only looks like it climbs inside the folder', () => {
    expect(rendererPath(root, '/..foo')).toBe(path.join(root, '..foo'));
    expect(rendererPath(root, '/assets/..')).toBeNull();
  });
});

describe('rendererFile', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    await mkdir(path.join(root, 'renderer', 'assets'), { recursive: true });
    await writeFile(path.join(root, 'renderer', 'index.html'), '<!doctype html>');
    await writeFile(path.join(root, 'renderer', 'assets', 'app.js'), 'export {};\n');
    await writeFile(path.join(root, 'secret.txt'), 'secret');
  });

  it('finds a regular file with its type and size, and nothing for a folder, a missing file or one outside', async () => {
    const dir = path.join(root, 'renderer');
    expect(await rendererFile(dir, '/')).toEqual({ file: path.join(dir, 'index.html'), size: 15, contentType: 'text/html; charset=utf-8' });
    expect(await rendererFile(dir, '/assets/app.js')).toMatchObject({ size: 11, contentType: 'text/javascript; charset=utf-8' });
    expect(await rendererFile(dir, '/assets')).toBeNull();
    expect(await rendererFile(dir, '/nope.js')).toBeNull();
    expect(await rendererFile(dir, '/..%2fsecret.txt')).toBeNull();
  });
});
