import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../fixtures/tmp';
import { APP_URL, appProtocolHandler, appSchemePrivileges } from './appProtocol';

const tempDir = tempDirs('app-protocol');
let serve: (request: Request) => Promise<Response>;

beforeAll(async () => {
  // The bundle's layout: out/main beside out/renderer, and a file beside them the page must never read.
  const out = await tempDir();
  await mkdir(path.join(out, 'renderer', 'assets'), { recursive: true });
  await writeFile(path.join(out, 'renderer', 'index.html'), '<!doctype html><title>Cluster Lab</title>');
  await writeFile(path.join(out, 'renderer', 'assets', 'index-abc.js'), 'export {};\n');
  await mkdir(path.join(out, 'main'));
  await writeFile(path.join(out, 'main', 'index.js'), 'secret');
  serve = appProtocolHandler(path.join(out, 'renderer'));
});

const get = async (url: string, method = 'GET') => {
  const res = await serve(new Request(url, { method }));
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

describe('the app:// protocol', () => {
  it('serves the page at app://cluster-lab/ and its files with their types', async () => {
    expect(APP_URL).toBe('app://cluster-lab/');
    expect(await get(APP_URL)).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>Cluster Lab</title>' });
    expect(await get('app://cluster-lab/assets/index-abc.js?v=1#x')).toEqual({
      status: 200,
      type: 'text/javascript; charset=utf-8',
      body: 'export {};\n',
    });
    const res = await serve(new Request(`${APP_URL}index.html`));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves nothing outside the renderer folder, however the path climbs', async () => {
    for (const url of [
      'app://cluster-lab/..%2fmain%2findex.js',
      'app://cluster-lab/%2e%2e%2fmain/index.js',
      'app://cluster-lab/assets/..%2f..%2fmain%2findex.js',
      'app://cluster-lab/..%5cmain%5cindex.js',
      'app://cluster-lab/index.html%00',
      'app://cluster-lab/%E0%A4%A',
    ])
      expect(await get(url), url).toEqual({ status: 404, type: 'text/plain; charset=utf-8', body: 'Not found\n' });
  });

  it('answers only its own host and scheme, and only GET and HEAD', async () => {
    for (const url of ['app://other/index.html', 'other://cluster-lab/index.html', 'file:///etc/passwd'])
      expect(await get(url), url).toEqual({ status: 404, type: 'text/plain; charset=utf-8', body: 'Not found\n' });
    expect(await get(APP_URL, 'POST')).toEqual({ status: 405, type: 'text/plain; charset=utf-8', body: 'Method not allowed\n' });
    const head = await get(APP_URL, 'HEAD');
    expect([head.status, head.type, head.body]).toEqual([200, 'text/html; charset=utf-8', '']);
  });

  it('is registered standard and secure, never bypassing the page’s CSP, which lets in scripts from its own origin only', async () => {
    expect(appSchemePrivileges).toEqual({ standard: true, secure: true, supportFetchAPI: true });
    const page = await readFile(path.resolve(import.meta.dirname, '../../renderer/index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(page)![1]!;
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name!, values]),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
  });
});
