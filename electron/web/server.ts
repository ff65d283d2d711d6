/**
 * Browser mode: serves the built renderer and carries the contract over a WebSocket. It binds
 * 127.0.0.1 only; every request needs the random token (from the printed URL, then a cookie) and a
 * Host and Origin that are this server itself, which also defeats DNS rebinding.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientFrame, ServerFrame } from '../../shared/wire';
import { WIRE_PATH } from '../../shared/wire';
import { dispatch } from '../services/dispatch';
import type { Services } from '../services';

export interface WebHostOptions {
  services: Services;
  staticDir: string;
  port?: number;
  /** Fixed token for tests; random by default. */
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  /** Where the listening socket is bound, as the OS reports it. */
  address: AddressInfo;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'cluster_lab_token';
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const { services } = options;
  const staticDir = path.resolve(options.staticDir);
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  /** Why a request is refused, or null when it may go on. */
  const refusal = (req: http.IncomingMessage, url: URL, requireOrigin: boolean): string | null => {
    if (!allowedHosts().has(req.headers.host ?? '')) return 'foreign Host';
    const origin = req.headers.origin;
    if (origin !== undefined ? !allowedOrigins().has(origin) : requireOrigin) return 'foreign Origin';
    if (!sameToken(url.searchParams.get('token'), token) && !sameToken(cookieToken(req.headers.cookie), token)) return 'missing or wrong token';
    return null;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const refused = refusal(req, url, false);
      if (refused) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Refused: ${refused}. Open the URL that cluster-lab printed when it started.\n`);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      if (url.searchParams.has('token')) {
        // Trade the token in the address bar for a cookie, so it stays out of history and referrers.
        res.writeHead(303, {
          location: url.pathname,
          'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
        });
        res.end();
        return;
      }
      const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
      const file = path.resolve(staticDir, relative);
      if (!file.startsWith(staticDir + path.sep)) {
        res.writeHead(404).end();
        return;
      }
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
        return;
      }
      res.writeHead(200, {
        'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        // The page's own meta CSP cannot say this part; a header can.
        'content-security-policy': "frame-ancestors 'none'",
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refused = url.pathname === WIRE_PATH ? refusal(req, url, true) : 'unknown path';
    if (refused) {
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nRefused: ${refused}\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  const serveSocket = (ws: WebSocket) => {
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const off = services.ctx.events.onAny((name, payload) => send({ kind: 'event', name, payload }));
    ws.on('close', off);
    // A frame over maxPayload, or a malformed one: ws closes the socket (1009, 1002) by itself and
    // then emits 'error', which with no listener would throw and end browser mode for every page.
    ws.on('error', () => {});
    ws.on('message', (data) => {
      let frame: ClientFrame;
      try {
        frame = JSON.parse(String(data)) as ClientFrame;
      } catch {
        return;
      }
      if (frame?.kind !== 'call' || typeof frame.id !== 'number') return;
      void dispatch(services.handlers, frame.name, frame.args).then((envelope) => send({ kind: 'result', id: frame.id, envelope }));
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  port = address.port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    address,
    token,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
