import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createServices } from '../services';
import { createContext } from '../services/context';
import { startWebHost, type WebHost } from './server';

let host: WebHost;
let origin: string;
let root: string;
let services: ReturnType<typeof createServices>;
let setupFailure: unknown = null;

// A host that fails to start fails every test, rather than leaving them skipped (as a failing
// beforeAll does), which a test runner, and Stryker after it, would count as nothing wrong.
beforeAll(async () => {
  try {
    await startHost();
  } catch (error) {
    setupFailure = error;
  }
});
beforeEach(() => {
  if (setupFailure) throw setupFailure;
});

async function startHost() {
  // The page's folder, and beside it a file the host must never serve.
  root = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-web-'));
  const staticDir = path.join(root, 'static');
  await mkdir(staticDir);
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Cluster Lab</title>');
  await writeFile(path.join(root, 'cl-outside.txt'), 'secret');
  await writeFile(path.join(staticDir, 'app.js'), 'export {};\n');
  await writeFile(path.join(staticDir, 'style.css'), 'body {}\n');
  await writeFile(path.join(staticDir, 'data.bin'), 'x');
  for (const name of ['icon.svg', 'logo.png', 'favicon.ico', 'font.woff2', 'manifest.json']) await writeFile(path.join(staticDir, name), 'x');
  await mkdir(path.join(staticDir, 'assets'));
  await writeFile(path.join(staticDir, 'assets', 'app.js'), 'export const nested = 1;\n');
  services = createServices(createContext({ env: { PATH: '' } }));
  host = await startWebHost({ services, staticDir });
  origin = `http://127.0.0.1:${host.port}`;
}
afterAll(async () => {
  await host?.close();
  await rm(root, { recursive: true, force: true });
});

/** A raw request, so Host and Origin can be whatever an attacker would send. */
function request(
  pathname: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: pathname, method, headers: { host: `127.0.0.1:${host.port}`, ...headers } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function openSocket(headers: Record<string, string>, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('browser-mode host', () => {
  it('listens on loopback only: the socket itself is bound to 127.0.0.1', () => {
    expect(host.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4', port: host.port });
  });

  it('hands out a random token of 32 URL-safe characters, a new one each start', async () => {
    expect(host.token).toMatch(/^[\w-]{32}$/);
    const other = await startWebHost({ services: createServices(createContext({ env: { PATH: '' } })), staticDir: root });
    try {
      expect(other.token).not.toBe(host.token);
    } finally {
      await other.close();
    }
  });

  it('refuses a wrong token of the same length, in the URL, the cookie and the WebSocket', async () => {
    const wrong = `${host.token.slice(0, -1)}${host.token.endsWith('A') ? 'B' : 'A'}`;
    expect(wrong).toHaveLength(host.token.length);
    expect((await request(`/?token=${wrong}`)).status).toBe(403);
    expect((await request('/', { cookie: `cluster_lab_token=${wrong}` })).status).toBe(403);
    await expect(openSocket({ origin, cookie: `cluster_lab_token=${wrong}` })).rejects.toThrow(/403/);
  });

  it('refuses a request without the token', async () => {
    const res = await request('/');
    expect(res.status).toBe(403);
    expect(res.body).toContain('token');
  });

  it('trades the token in the URL for an HttpOnly cookie and serves the page with it', async () => {
    const first = await request(`/?token=${host.token}`);
    expect(first.status).toBe(303);
    const cookie = String((first.headers['set-cookie'] as string[])[0]);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await request('/', { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Cluster Lab');
    expect(page.headers['content-security-policy']).toBe("frame-ancestors 'none'");
  });

  it('refuses a foreign Origin or Host even with the token', async () => {
    expect((await request(`/?token=${host.token}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await request(`/?token=${host.token}`, { host: `evil.example:${host.port}` })).status).toBe(403);
  });

  it('does not serve files outside the renderer folder', async () => {
    const res = await request(`/..%2fcl-outside.txt?x=1`, { cookie: `cluster_lab_token=${host.token}` });
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('secret');
  });

  it('refuses a WebSocket without the token, without an Origin, or from a foreign Origin', async () => {
    await expect(openSocket({ origin })).rejects.toThrow(/403/);
    await expect(openSocket({}, `?token=${host.token}`)).rejects.toThrow(/403/);
    await expect(openSocket({ origin: 'http://evil.example' }, `?token=${host.token}`)).rejects.toThrow(/403/);
  });

  it('carries contract calls and answers with envelopes', async () => {
    const ws = await openSocket({ origin, cookie: `cluster_lab_token=${host.token}` });
    const answer = (frame: object) =>
      new Promise<{ id: number; envelope: { ok: boolean; value?: unknown; error?: { code: string; message: string } } }>((resolve) => {
        ws.once('message', (data) => resolve(JSON.parse(String(data))));
        ws.send(JSON.stringify(frame));
      });
    const facts = await answer({ kind: 'call', id: 1, name: 'host.facts', args: {} });
    expect(facts.id).toBe(1);
    expect(facts.envelope.ok).toBe(true);
    expect((facts.envelope.value as { tools: { vagrant: { found: boolean } } }).tools.vagrant.found).toBe(false);
    const unknown = await answer({ kind: 'call', id: 2, name: 'no.such.call', args: {} });
    expect(unknown.envelope).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const bad = await answer({ kind: 'call', id: 3, name: 'host.facts', args: { extra: 1 } });
    expect(bad.envelope).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    ws.close();
  });
});

describe('browser-mode host: each check at its edge', () => {
  const withCookie = () => ({ cookie: `cluster_lab_token=${host.token}` });

  it('prints the address to open, with the token, on the port the OS gave it', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.port).toBe(host.address.port);
  });

  it('listens on the port asked for, and uses the token given', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const other = await startWebHost({ services, staticDir: root, port, token: 'fixed-token-for-a-test' });
    try {
      expect([other.port, other.token, other.url]).toEqual([
        port,
        'fixed-token-for-a-test',
        `http://127.0.0.1:${port}/?token=fixed-token-for-a-test`,
      ]);
    } finally {
      await other.close();
    }
  });

  it('finds its cookie among others, and only under its own name', async () => {
    expect((await request('/', { cookie: `theme=dark;  cluster_lab_token=${host.token} ; other=1` })).status).toBe(200);
    expect((await request('/', { cookie: `xcluster_lab_token=${host.token}` })).status).toBe(403);
    expect((await request('/', { cookie: `cluster_lab_token=${host.token}=` })).status).toBe(403);
    expect((await request('/', { cookie: 'cluster_lab_token=' })).status).toBe(403);
  });

  it('takes Host and Origin as 127.0.0.1 or localhost on its own port, and nothing else', async () => {
    const at = (h: string, o?: string) => request('/', { ...withCookie(), host: h, ...(o ? { origin: o } : {}) }).then((r) => r.status);
    expect(await at(`localhost:${host.port}`, `http://localhost:${host.port}`)).toBe(200);
    expect(await at(`127.0.0.1:${host.port}`, `http://127.0.0.1:${host.port}`)).toBe(200);
    expect(await at('127.0.0.1')).toBe(403);
    expect(await at(`localhost:${host.port + 1}`)).toBe(403);
    expect(await at(`127.0.0.1:${host.port}`, `https://127.0.0.1:${host.port}`)).toBe(403);
    expect(await at(`127.0.0.1:${host.port}`, 'null')).toBe(403);
  });

  it('says why it refused, in plain text, and where to get the address', async () => {
    const noToken = await request('/');
    expect([noToken.status, noToken.headers['content-type'], noToken.body]).toEqual([
      403,
      'text/plain; charset=utf-8',
      'Refused: missing or wrong token. Open the URL that cluster-lab printed when it started.\n',
    ]);
    expect((await request('/', { ...withCookie(), host: 'evil.example' })).body).toMatch(/^Refused: foreign Host\./);
    expect((await request('/', { ...withCookie(), origin: 'http://evil.example' })).body).toMatch(/^Refused: foreign Origin\./);
  });

  it('answers only GET and HEAD', async () => {
    expect((await request('/', withCookie(), 'POST')).status).toBe(405);
    expect((await request('/', withCookie(), 'DELETE')).status).toBe(405);
    const head = await request('/app.js', withCookie(), 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '11']);
  });

  it('trades the token for a cookie and sends the browser back to the same page without it', async () => {
    const first = await request(`/assets/page?token=${host.token}&x=1`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/assets/page');
    expect(first.headers['set-cookie']).toEqual([`cluster_lab_token=${host.token}; HttpOnly; SameSite=Strict; Path=/`]);
    expect(first.headers['cache-control']).toBe('no-store');
  });

  it('serves each file with its type and the headers that keep it from being framed or sniffed', async () => {
    const js = await request('/app.js', withCookie());
    expect(js.body).toBe('export {};\n');
    expect(js.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'content-length': '11',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    expect((await request('/style.css', withCookie())).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await request('/', withCookie())).headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await request('/data.bin', withCookie())).headers['content-type']).toBe('application/octet-stream');
    const types = await Promise.all(
      ['/icon.svg', '/logo.png', '/favicon.ico', '/font.woff2', '/manifest.json'].map(
        async (file) => (await request(file, withCookie())).headers['content-type'],
      ),
    );
    expect(types).toEqual(['image/svg+xml', 'image/png', 'image/x-icon', 'font/woff2', 'application/json']);
    expect((await request('/assets/app.js', withCookie())).body).toBe('export const nested = 1;\n');
    expect((await request('/%2F%2Fapp.js', withCookie())).body).toBe('export {};\n');
  });

  it('answers 404 for what is not a file in the renderer folder, and 500 for an address it cannot decode', async () => {
    for (const missing of ['/nope.js', '/assets', '/assets/']) {
      const res = await request(missing, withCookie());
      expect([res.status, res.headers['content-type'], res.body], missing).toEqual([404, 'text/plain', 'Not found\n']);
    }
    const broken = await request('/%E0%A4%A', withCookie());
    expect(broken.status).toBe(500);
    expect(broken.body).toMatch(/^URIError/);
  });

  it('refuses a WebSocket on any other path, saying so', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: host.port,
        path: `/other?token=${host.token}`,
        headers: {
          host: `127.0.0.1:${host.port}`,
          origin,
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw).toBe('403 Refused: unknown path\r\n');
  });

  it('sends events to a connected page until it goes, and ignores frames that are not calls', async () => {
    const ws = await openSocket({ origin, ...withCookie() });
    const frames: unknown[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    const update = { id: 'up-1' };
    services.ctx.events.emit('job.update', update as never);
    for (const junk of [
      'not json',
      'null',
      JSON.stringify({ kind: 'event', id: 1 }),
      JSON.stringify({ kind: 'call', id: '7', name: 'host.facts', args: {} }),
    ])
      ws.send(junk);
    ws.send(JSON.stringify({ kind: 'call', id: 9, name: 'lab.defaultDir', args: {} }));
    await expect.poll(() => frames.length).toBe(2);
    expect(frames).toEqual([
      { kind: 'event', name: 'job.update', payload: update },
      { kind: 'result', id: 9, envelope: { ok: true, value: { dir: expect.stringMatching(/ClusterLab/) } } },
    ]);
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close();
    await closed;
    // Gone: the next event has no one to go to, and nothing breaks.
    services.ctx.events.emit('job.update', update as never);
  });

  it('closes a socket that sends more than 4 MiB at once, and goes on serving the others', async () => {
    const ws = await openSocket({ origin, ...withCookie() });
    const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    ws.send('x'.repeat(4 * 1024 * 1024 + 1));
    expect(await code).toBe(1009);
    const fits = await openSocket({ origin, ...withCookie() });
    const answered = new Promise((resolve) => fits.once('message', resolve));
    fits.send(
      JSON.stringify({ kind: 'call', id: 1, name: 'lab.defaultDir', args: { name: 'x'.repeat(50) }, pad: 'y'.repeat(4 * 1024 * 1024 - 200) }),
    );
    await answered;
    fits.close();
  });

  it('fails to start, saying why, when its port is taken', async () => {
    await expect(startWebHost({ services, staticDir: root, port: host.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('stops sending a page events once its socket closes', async () => {
    const offs: ReturnType<typeof vi.fn>[] = [];
    const onAny = services.ctx.events.onAny.bind(services.ctx.events);
    const spy = vi.spyOn(services.ctx.events, 'onAny').mockImplementation((listener) => {
      const off = vi.fn(onAny(listener));
      offs.push(off);
      return off;
    });
    try {
      const ws = await openSocket({ origin, ...withCookie() });
      expect(offs).toHaveLength(1);
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.close();
      await closed;
      await expect.poll(() => offs[0]!.mock.calls.length).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('ends open sockets and stops listening when closed', async () => {
    const other = await startWebHost({ services, staticDir: root });
    const ws = new WebSocket(`ws://127.0.0.1:${other.port}/ws`, {
      headers: { origin: `http://127.0.0.1:${other.port}`, cookie: `cluster_lab_token=${other.token}` },
    });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await other.close();
    await closed;
    await expect(
      new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port: other.port }, resolve).on('error', reject)),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
