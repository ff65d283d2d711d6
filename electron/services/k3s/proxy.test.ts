import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppError } from '../../../shared/errors';
import { connectProxy } from '../../../fixtures/connectProxy';
import { serveRelease, standInRelease, standInSources } from '../../../fixtures/k3sRelease';
import { loopbackServer } from '../../../fixtures/loopbackServer';
import { tempDirs } from '../../../fixtures/tmp';
import { fetchRelease, resolveChannel } from './cache';
import { bypassed, proxyFor } from './proxy';

const tempDir = tempDirs('k3s-proxy');
const release = standInRelease();
const served = loopbackServer(serveRelease(release));
const proxy = connectProxy();
const origin = () => new URL(served.base).host;
const fetchWith = async (env: NodeJS.ProcessEnv) =>
  fetchRelease({ version: release.version, arch: 'amd64', images: true, cacheDir: await tempDir(), env: { ...standInSources(served.base), ...env } });
const rejection = async (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('resolved'),
    (error: unknown) => error as AppError,
  );

describe('proxyFor', () => {
  const https = new URL('https://github.com/k3s-io/k3s/releases/download/v1.33.1%2Bk3s1/k3s');
  const http = new URL('http://mirror.example/k3s');

  it('takes HTTPS_PROXY for https and HTTP_PROXY for http, neither standing in for the other', () => {
    const env = { HTTPS_PROXY: 'http://secure:3128', HTTP_PROXY: 'http://plain:3128' };
    expect(proxyFor(https, env)).toMatchObject({ shown: 'http://secure:3128', variable: 'HTTPS_PROXY' });
    expect(proxyFor(http, env)).toMatchObject({ shown: 'http://plain:3128', variable: 'HTTP_PROXY' });
    expect(proxyFor(https, { HTTP_PROXY: 'http://plain:3128' })).toBeNull();
    expect(proxyFor(http, { HTTPS_PROXY: 'http://secure:3128' })).toBeNull();
  });

  it('prefers the lower-case name, as curl does, and treats an empty value as unset', () => {
    expect(proxyFor(https, { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' })!.variable).toBe('https_proxy');
    expect(proxyFor(https, { https_proxy: '', HTTPS_PROXY: 'http://upper:2' })!.variable).toBe('HTTPS_PROXY');
    expect(proxyFor(http, { http_proxy: 'http://lower:1' })!.shown).toBe('http://lower:1');
  });

  it('reads host:port as http://, and keeps credentials out of what it shows', () => {
    const choice = proxyFor(https, { HTTPS_PROXY: 'proxy.corp:8080' })!;
    expect(choice.url.href).toBe('http://proxy.corp:8080/');
    const withCredentials = proxyFor(https, { HTTPS_PROXY: 'http://me:secret@proxy.corp:8080' })!;
    expect(withCredentials.url.password).toBe('secret');
    expect(withCredentials.shown).toBe('http://proxy.corp:8080');
  });

  it('refuses a SOCKS proxy and a value that is no URL, naming the variable and not echoing the value', () => {
    const socks = (() => {
      try {
        proxyFor(https, { HTTPS_PROXY: 'socks5://me:secret@proxy:1080' });
      } catch (error) {
        return error as AppError;
      }
      return expect.fail('accepted');
    })();
    expect(socks.code).toBe('unsupported');
    expect(socks.message).toBe('HTTPS_PROXY names a socks5 proxy; k3s downloads go only through an HTTP or HTTPS proxy.');
    expect(() => proxyFor(https, { HTTPS_PROXY: 'http://[oops' })).toThrow(/^HTTPS_PROXY is not a proxy URL\.$/);
  });

  it('is no proxy for a host NO_PROXY exempts, before the proxy value is even read', () => {
    expect(proxyFor(https, { HTTPS_PROXY: 'socks5://x:1', NO_PROXY: 'github.com' })).toBeNull();
    expect(proxyFor(https, { HTTPS_PROXY: 'http://p:1', no_proxy: 'github.com', NO_PROXY: '' })).toBeNull();
  });
});

describe('bypassed (NO_PROXY, Go httpproxy grammar)', () => {
  const cases: [string, string, boolean][] = [
    ['https://github.com/x', '*', true],
    ['https://github.com/x', 'github.com', true],
    ['https://objects.github.com/x', 'github.com', true],
    ['https://notgithub.com/x', 'github.com', false],
    ['https://github.com/x', '.github.com', false],
    ['https://objects.github.com/x', '.github.com', true],
    ['https://objects.github.com/x', '*.github.com', true],
    ['https://github.com/x', '*.github.com', false],
    ['https://GitHub.COM/x', ' example.org , GITHUB.com ', true],
    ['https://github.com/x', 'github.com:443', true],
    ['https://github.com/x', 'github.com:8443', false],
    ['http://github.com/x', 'github.com:80', true],
    ['http://10.1.2.3:8080/x', '10.0.0.0/8', true],
    ['http://11.1.2.3/x', '10.0.0.0/8', false],
    ['http://10.1.2.3:8080/x', '10.1.2.3', true],
    ['http://10.1.2.3:8080/x', '10.1.2.3:8080', true],
    ['http://10.1.2.3:8080/x', '10.1.2.3:9090', false],
    ['http://[fd00::5]/x', 'fd00::/8', true],
    ['http://[fd00::5]:81/x', '[fd00:0::5]:81', true],
    ['http://[fd00::5]/x', 'fd00::6', false],
    // Loopback is proxied unless named (curl); Go would never proxy it.
    ['http://127.0.0.1:8080/x', '', false],
    ['http://127.0.0.1:8080/x', 'localhost,127.0.0.1', true],
    ['http://localhost:8080/x', 'localhost', true],
    ['http://10.1.2.3/x', '10.0.0.0/99', false],
  ];
  it.each(cases)('%s with NO_PROXY=%j: %s', (url, noProxy, expected) => {
    expect(bypassed(new URL(url), noProxy)).toBe(expected);
  });
});

describe('k3s downloads through an HTTP proxy', () => {
  beforeEach(() => {
    proxy.requireCredentials = null;
  });

  it('tunnels every file of a fetch through HTTP_PROXY', async () => {
    const result = await fetchWith({ HTTP_PROXY: proxy.base });
    expect((await readdir(result.dir)).sort()).toEqual(['install.sh', 'k3s', 'k3s-airgap-images-amd64.tar.zst', 'sha256sum-amd64.txt']);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxy.tunnels.map((t) => `${t.target} ${t.answer}`))).toEqual(new Set([`${origin()} 200`]));
  });

  it('goes direct for a host NO_PROXY names, and for an http URL when only HTTPS_PROXY is set', async () => {
    await fetchWith({ http_proxy: proxy.base, no_proxy: 'localhost,127.0.0.1' });
    await fetchWith({ HTTPS_PROXY: proxy.base });
    expect(proxy.tunnels).toEqual([]);
  });

  it('sends the credentials of http://user:pass@host:port, percent-decoded, and shows them nowhere', async () => {
    proxy.requireCredentials = 'lab user:p@ss:w0rd';
    const proxyUrl = `http://lab%20user:p%40ss%3Aw0rd@127.0.0.1:${proxy.port}`;
    const progress: string[] = [];
    const result = await fetchWith({ HTTP_PROXY: proxyUrl });
    expect(result.downloadedBytes).toBeGreaterThan(0);
    expect(proxy.tunnels.every((t) => t.credentials === 'lab user:p@ss:w0rd' && t.answer === 200)).toBe(true);

    proxy.tunnels.length = 0;
    const wrong = `http://lab%20user:wrong-secret@127.0.0.1:${proxy.port}`;
    const error = await rejection(
      fetchRelease({
        version: release.version,
        arch: 'amd64',
        images: true,
        cacheDir: await tempDir(),
        env: { ...standInSources(served.base), HTTP_PROXY: wrong },
        onProgress: (p) => progress.push(JSON.stringify(p)),
      }),
    );
    expect(proxy.tunnels.map((t) => t.answer)).toEqual([407]);
    expect(error.code).toBe('failed');
    expect(error.message).toContain(`through the proxy http://127.0.0.1:${proxy.port} (HTTP_PROXY)`);
    expect(error.hint).toMatch(/^The proxy wants credentials: set HTTP_PROXY to http:\/\/USER:PASSWORD@HOST:PORT/);
    const shown = JSON.stringify([error.toInfo(), progress]);
    for (const secret of ['wrong-secret', 'lab%20user', 'lab user']) expect(shown).not.toContain(secret);
  });

  it('takes HTTPS_PROXY for an https source, never HTTP_PROXY', async () => {
    // An https URL on the loopback server: the tunnel is made, then TLS meets plain HTTP and fails.
    const env = { CLUSTER_LAB_K3S_CHANNELS: `https://${origin()}/channels`, HTTPS_PROXY: proxy.base };
    const error = await rejection(resolveChannel('stable', { env }));
    expect(proxy.tunnels.map((t) => t.target)).toEqual([origin()]);
    expect(error.message).toContain(`through the proxy ${proxy.base} (HTTPS_PROXY)`);

    proxy.tunnels.length = 0;
    await rejection(resolveChannel('stable', { env: { CLUSTER_LAB_K3S_CHANNELS: env.CLUSTER_LAB_K3S_CHANNELS, HTTP_PROXY: proxy.base } }));
    expect(proxy.tunnels).toEqual([]);
  });

  it('names the proxy and the fix when the proxy cannot be reached', async () => {
    const error = await rejection(fetchWith({ HTTP_PROXY: 'http://user:hidden@127.0.0.1:9' }));
    expect(error.message).toMatch(
      /^Could not reach 127\.0\.0\.1:\d+ through the proxy http:\/\/127\.0\.0\.1:9 \(HTTP_PROXY\) for sha256sum-amd64\.txt: /,
    );
    expect(error.hint).toBe('Check the proxy in HTTP_PROXY, or exempt the host with NO_PROXY.');
    expect(JSON.stringify(error.toInfo())).not.toContain('hidden');
  });
});

it('the stand-in release is what the cache keeps', async () => {
  const result = await fetchWith({});
  expect(path.basename(result.dir)).toBe(release.version);
});
