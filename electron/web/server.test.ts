import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createServices } from '../services';
import { createContext } from '../services/context';
import { WIRE_PROTOCOL, WIRE_TOKEN_PROTOCOL_PREFIX } from '../../shared/wire';
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

/** The subprotocols the page offers: the wire's own and the token. */
const withToken = (token = host.token) => [WIRE_PROTOCOL, `${WIRE_TOKEN_PROTOCOL_PREFIX}${token}`];

const upgradeHeaders = 'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/**
 * Bytes on a bare TCP socket, for what no HTTP client would send; the answer back, whole or, for a
 * connection that stays open, up to the end of its head once it holds `until`.
 */
function rawRequest(bytes: string, until?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(host.port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (until && answer.toLowerCase().includes(until) && answer.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function openSocket(headers: Record<string, string>, protocols: string[] = [], query = '', port = host.port): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`, protocols, { headers });
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

  it('refuses a wrong token of the same length, one cut short or grown, and a second token beside the right one', async () => {
    const wrong = `${host.token.slice(0, -1)}${host.token.endsWith('A') ? 'B' : 'A'}`;
    expect(wrong).toHaveLength(host.token.length);
    for (const protocols of [
      withToken(wrong),
      withToken(host.token.slice(0, -1)),
      withToken(`${host.token}A`),
      withToken(''),
      [...withToken(), withToken(wrong)[1]!],
    ])
      await expect(openSocket({ origin }, protocols), protocols.join()).rejects.toThrow(/403/);
  });

  it('takes the token only as a subprotocol beside its own, and answers with its own', async () => {
    await expect(openSocket({ origin }, [`${WIRE_TOKEN_PROTOCOL_PREFIX}${host.token}`])).rejects.toThrow(/403/);
    const ws = await openSocket({ origin }, withToken());
    expect(ws.protocol).toBe(WIRE_PROTOCOL);
    ws.close();
    // As a browser writes the header: the list with a space after each comma.
    const answer = await rawRequest(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nOrigin: ${origin}\r\n${upgradeHeaders}Connection: Upgrade\r\nSec-WebSocket-Protocol: ${withToken().join(', ')}\r\n\r\n`,
      'sec-websocket-protocol',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[^]*\r\nSec-WebSocket-Protocol: cluster-lab\r\n/);
  });

  it('takes no token from a cookie or the address: a cookie reaches every port of 127.0.0.1 (RFC 6265 §8.5)', async () => {
    await expect(openSocket({ origin, cookie: `cluster_lab_token=${host.token}` })).rejects.toThrow(/403/);
    await expect(openSocket({ origin }, [WIRE_PROTOCOL], `?token=${host.token}`)).rejects.toThrow(/403/);
  });

  it('never sets a cookie nor redirects: the token in an address is not traded for anything', async () => {
    for (const target of [
      `/?token=${host.token}`,
      `//evil.example/?token=${host.token}`,
      `/?token=${host.token}&next=//evil.example/`,
      `/?next=https://evil.example/`,
      `/assets/page?token=${host.token}`,
    ]) {
      const res = await request(target);
      expect([res.status, res.headers.location, res.headers['set-cookie']], target).toEqual([expect.any(Number), undefined, undefined]);
      expect(res.status, target).not.toBe(303);
      expect(res.body, target).not.toContain(host.token);
    }
  });

  it('serves the page to anyone on its own Host: the public bundle holds nothing secret', async () => {
    const page = await request('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Cluster Lab');
    expect(page.headers['content-security-policy']).toBe("frame-ancestors 'none'");
  });

  it('refuses a foreign Origin or Host', async () => {
    expect((await request('/', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await request('/', { host: `evil.example:${host.port}` })).status).toBe(403);
  });

  it('does not serve files outside the renderer folder', async () => {
    for (const target of [
      '/..%2fcl-outside.txt?x=1',
      '/%2e%2e/cl-outside.txt',
      '/..%5ccl-outside.txt',
      '/%2e%2e%2fcl-outside.txt',
      '/app.js%00.png',
    ]) {
      const res = await request(target);
      expect([res.status, res.body], target).toEqual([404, 'Not found\n']);
    }
  });

  it('refuses a WebSocket without the token, without an Origin, or from a foreign Origin', async () => {
    await expect(openSocket({ origin }, [WIRE_PROTOCOL])).rejects.toThrow(/403/);
    await expect(openSocket({}, withToken())).rejects.toThrow(/403/);
    await expect(openSocket({ origin: 'http://evil.example' }, withToken())).rejects.toThrow(/403/);
  });

  it('carries contract calls and answers with envelopes', async () => {
    const ws = await openSocket({ origin }, withToken());
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
  it('prints the address to open, with the token in its fragment, on the port the OS gave it', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/#token=${host.token}`);
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
        `http://127.0.0.1:${port}/#token=fixed-token-for-a-test`,
      ]);
      const ws = await openSocket({ origin: `http://127.0.0.1:${port}` }, withToken('fixed-token-for-a-test'), '', port);
      ws.close();
    } finally {
      await other.close();
    }
  });

  it('takes Host and Origin as 127.0.0.1 or localhost on its own port, and nothing else', async () => {
    const at = (h: string, o?: string) => request('/', { host: h, ...(o ? { origin: o } : {}) }).then((r) => r.status);
    expect(await at(`localhost:${host.port}`, `http://localhost:${host.port}`)).toBe(200);
    expect(await at(`127.0.0.1:${host.port}`, `http://127.0.0.1:${host.port}`)).toBe(200);
    expect(await at('127.0.0.1')).toBe(403);
    expect(await at(`localhost:${host.port + 1}`)).toBe(403);
    expect(await at(`127.0.0.1:${host.port}`, `https://127.0.0.1:${host.port}`)).toBe(403);
    expect(await at(`127.0.0.1:${host.port}`, 'null')).toBe(403);
    // Other spellings of this very host, which a rebinding page or a lax parser might use, are still foreign.
    for (const spelling of ['127.0.0.1.', '[::1]', '127.1', '0x7f.0.0.1', '2130706433', 'localhost.'])
      expect(await at(`${spelling}:${host.port}`), spelling).toBe(403);
    expect(await at(`127.0.0.1:${host.port}`, `http://127.0.0.1.:${host.port}`)).toBe(403);
    expect(await at(`127.0.0.1:${host.port}`, `http://[::1]:${host.port}`)).toBe(403);
  });

  it('says why it refused, in plain text, and where to get the address', async () => {
    const foreign = await request('/', { host: 'evil.example' });
    expect([foreign.status, foreign.headers['content-type'], foreign.body]).toEqual([
      403,
      'text/plain; charset=utf-8',
      'Refused: foreign Host. Open the URL that cluster-lab printed when it started.\n',
    ]);
    expect((await request('/', { origin: 'http://evil.example' })).body).toMatch(/^Refused: foreign Origin\./);
  });

  it('answers only GET and HEAD', async () => {
    const post = await request('/', {}, 'POST');
    expect([post.status, post.body]).toEqual([405, 'Method not allowed\n']);
    expect((await request('/', {}, 'DELETE')).status).toBe(405);
    const head = await request('/app.js', {}, 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '11']);
  });

  it('serves each file with its type and the headers that keep it from being framed or sniffed', async () => {
    const js = await request('/app.js', {});
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
    expect((await request('/style.css', {})).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await request('/', {})).headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await request('/data.bin', {})).headers['content-type']).toBe('application/octet-stream');
    const types = await Promise.all(
      ['/icon.svg', '/logo.png', '/favicon.ico', '/font.woff2', '/manifest.json'].map(async (file) => (await request(file)).headers['content-type']),
    );
    expect(types).toEqual(['image/svg+xml', 'image/png', 'image/x-icon', 'font/woff2', 'application/json']);
    expect((await request('/assets/app.js', {})).body).toBe('export const nested = 1;\n');
    expect((await request('/%2F%2Fapp.js', {})).body).toBe('export {};\n');
  });

  it('answers 404 for what is not a file in the renderer folder, or an address it cannot decode, in a fixed body', async () => {
    for (const missing of ['/nope.js', '/assets', '/assets/', '/%E0%A4%A']) {
      const res = await request(missing);
      expect([res.status, res.headers['content-type'], res.body], missing).toEqual([404, 'text/plain; charset=utf-8', 'Not found\n']);
    }
  });

  it('answers a target it cannot parse with a fixed 400, before any other check, and a WebSocket the same', async () => {
    for (const upgrade of [false, true]) {
      const answer = await rawRequest(
        `GET http://[ HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n${upgrade ? upgradeHeaders : ''}Connection: close\r\n\r\n`,
      );
      expect(answer, String(upgrade)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\n\r\nBad request\n$/);
    }
    // Still serving: the bad upgrade did not end the host.
    expect((await request('/')).status).toBe(200);
  });

  it('refuses a WebSocket on any other path, saying so', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: host.port,
        path: '/other',
        headers: {
          host: `127.0.0.1:${host.port}`,
          origin,
          'sec-websocket-protocol': withToken().join(', '),
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
    const ws = await openSocket({ origin }, withToken());
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
    const ws = await openSocket({ origin }, withToken());
    const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    ws.send('x'.repeat(4 * 1024 * 1024 + 1));
    expect(await code).toBe(1009);
    const fits = await openSocket({ origin }, withToken());
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
      const ws = await openSocket({ origin }, withToken());
      expect(offs).toHaveLength(1);
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.close();
      await closed;
      await expect.poll(() => offs[0]!.mock.calls.length).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('lets go of the labs a page attached to when its socket closes (a closed or reloaded page never says job.detach)', async () => {
    const detach = vi.spyOn(services.jobs, 'detach');
    try {
      const ws = await openSocket({ origin }, withToken());
      const answer = (id: number, name: string) =>
        new Promise<void>((resolve) => {
          const onMessage = (data: WebSocket.RawData) => {
            const frame = JSON.parse(String(data)) as { kind: string; id?: number };
            if (frame.kind === 'result' && frame.id === id) {
              ws.off('message', onMessage);
              resolve();
            }
          };
          ws.on('message', onMessage);
          ws.send(JSON.stringify({ kind: 'call', id, name, args: { dir: root } }));
        });
      await answer(1, 'job.attach');
      await answer(2, 'job.attach');
      await answer(3, 'job.detach');
      expect(detach).toHaveBeenCalledTimes(1);
      ws.close();
      await expect.poll(() => detach.mock.calls.length).toBe(2);
      expect(detach.mock.calls.map(([dir]) => dir)).toEqual([root, root]);
    } finally {
      detach.mockRestore();
    }
  });

  it('ends open sockets and stops listening when closed', async () => {
    const other = await startWebHost({ services, staticDir: root });
    const ws = new WebSocket(`ws://127.0.0.1:${other.port}/ws`, withToken(other.token), { headers: { origin: `http://127.0.0.1:${other.port}` } });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await other.close();
    await closed;
    await expect(
      new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port: other.port }, resolve).on('error', reject)),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
