import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServices } from '../services';
import { createContext } from '../services/context';
import { startWebHost, type WebHost } from './server';

let host: WebHost;
let origin: string;
let root: string;

beforeAll(async () => {
  // The page's folder, and beside it a file the host must never serve.
  root = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-web-'));
  const staticDir = path.join(root, 'static');
  await mkdir(staticDir);
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Cluster Lab</title>');
  await writeFile(path.join(root, 'cl-outside.txt'), 'secret');
  host = await startWebHost({ services: createServices(createContext({ env: { PATH: '' } })), staticDir });
  origin = `http://127.0.0.1:${host.port}`;
});
afterAll(async () => {
  await host?.close();
  await rm(root, { recursive: true, force: true });
});

/** A raw request, so Host and Origin can be whatever an attacker would send. */
function request(
  pathname: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: pathname, headers: { host: `127.0.0.1:${host.port}`, ...headers } },
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
