/**
 * Browser mode: serves the built renderer and carries the contract over a WebSocket. It binds
 * 127.0.0.1 only and answers only a Host and Origin that are this server itself, which also
 * defeats DNS rebinding. The page and its files are the public bundle and hold nothing secret; the
 * WebSocket, the only way to the services, needs the random token. The printed URL carries it in
 * its fragment, which no browser sends to a server, and the page keeps it in sessionStorage, which
 * is per origin, port included. No cookie ever carries it: cookies ignore ports (RFC 6265 §8.5), so
 * every other server on 127.0.0.1 that the browser visits would receive it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientFrame, ServerFrame } from '../../shared/wire';
import { WIRE_PATH, WIRE_PROTOCOL, WIRE_TOKEN_PROTOCOL_PREFIX } from '../../shared/wire';
import { pageSession } from '../services/pageSession';
import { rendererFile } from '../services/rendererFiles';
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

/** Every answer that is not a file is one of these fixed bodies: no exception text ever leaves. */
const answer = (res: http.ServerResponse, status: number, body: string) =>
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
const bodies = {
  400: 'Bad request\n',
  404: 'Not found\n',
  405: 'Method not allowed\n',
  500: 'Internal error\n',
} as const;
const refusedBody = (why: string) => `Refused: ${why}. Open the URL that cluster-lab printed when it started.\n`;

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The token the page offered as a WebSocket subprotocol (`cluster-lab.token.TOKEN`, beside
 * `cluster-lab`), the way Kubernetes' API server takes a bearer token from a browser's WebSocket
 * (staging/src/k8s.io/apiserver/pkg/authentication/request/websocket/protocol.go).
 */
function offeredToken(header: string | undefined): { token: string | undefined; wire: boolean } {
  const offered = (header ?? '').split(',').map((protocol) => protocol.trim());
  const tokens = offered.filter((protocol) => protocol.startsWith(WIRE_TOKEN_PROTOCOL_PREFIX));
  return {
    token: tokens.length === 1 ? tokens[0]!.slice(WIRE_TOKEN_PROTOCOL_PREFIX.length) : undefined,
    wire: offered.includes(WIRE_PROTOCOL),
  };
}

/** The request's address, or null when it cannot be parsed (an absolute-form target such as `http://[`). */
function requestUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const { services, staticDir } = options;
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  /** Why a request is refused, or null when it may go on. */
  const refusal = (req: http.IncomingMessage, socket: boolean): string | null => {
    if (!allowedHosts().has(req.headers.host ?? '')) return 'foreign Host';
    const origin = req.headers.origin;
    if (origin !== undefined ? !allowedOrigins().has(origin) : socket) return 'foreign Origin';
    if (!socket) return null;
    const offered = offeredToken(req.headers['sec-websocket-protocol']);
    return offered.wire && sameToken(offered.token, token) ? null : 'missing or wrong token';
  };

  const server = http.createServer((req, res) => {
    const fail = (status: keyof typeof bodies) => answer(res, status, bodies[status]);
    void (async () => {
      const url = requestUrl(req);
      if (!url) return fail(400);
      const refused = refusal(req, false);
      if (refused) return answer(res, 403, refusedBody(refused));
      if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405);
      const found = await rendererFile(staticDir, url.pathname);
      if (!found) return fail(404);
      res.writeHead(200, {
        'content-type': found.contentType,
        'content-length': found.size,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        // The page's own meta CSP cannot say this part; a header can.
        'content-security-policy': "frame-ancestors 'none'",
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
      if (req.method === 'HEAD') return res.end();
      // A read that fails halfway ends the response short; the browser sees a broken load, nothing more.
      pipeline(createReadStream(found.file), res, () => {});
    })().catch(() => {
      if (res.headersSent) res.destroy();
      else fail(500);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024, handleProtocols: () => WIRE_PROTOCOL });
  server.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req);
    const refused = !url ? null : url.pathname === WIRE_PATH ? refusal(req, true) : 'unknown path';
    if (!url || refused) {
      const status = url ? '403 Forbidden' : '400 Bad Request';
      const body = url ? `Refused: ${refused}\r\n` : bodies[400];
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  const serveSocket = (ws: WebSocket) => {
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const off = services.ctx.events.onAny((name, payload) => send({ kind: 'event', name, payload }));
    // A socket is one page: when it closes, the page has gone.
    const session = pageSession(services.handlers);
    ws.on('close', () => {
      off();
      session.end();
    });
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
      void session.call(frame.name, frame.args).then((envelope) => send({ kind: 'result', id: frame.id, envelope }));
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  port = address.port;

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
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
