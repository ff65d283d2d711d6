/**
 * The contract client. In Electron the preload provides `window.lab`; in browser mode the same
 * interface runs over the host's WebSocket. Views call `invoke` and get an envelope, never a throw.
 */
import type { CallArgs, CallName, CallResult, Envelope, EventName, EventPayload, LabApi } from '../shared/contract';
import type { ErrorInfo } from '../shared/errors';
import { WIRE_PATH, WIRE_PROTOCOL, WIRE_TOKEN_PROTOCOL_PREFIX, type ClientFrame, type ServerFrame } from '../shared/wire';

declare global {
  interface Window {
    lab?: LabApi;
  }
}

const lostConnection: ErrorInfo = {
  code: 'io',
  message: 'Lost the connection to Cluster Lab.',
  hint: 'Check that `npm run web` is still running, then reload this page; if it was started again, open the new URL it printed.',
};
const noToken: ErrorInfo = {
  code: 'io',
  message: 'This page has no access token for Cluster Lab.',
  hint: 'Open the URL that `npm run web` printed when it started: it carries the token.',
};

const TOKEN_KEY = 'cluster-lab.token';

/**
 * Browser mode's access token. The printed URL carries it in its fragment, which no browser sends
 * to a server; the page moves it into sessionStorage (per origin, port included, and per tab, so
 * a reload keeps it) and takes it out of the address bar and the history. Only the WebSocket to
 * this page's own host ever sends it. Never a cookie: cookies ignore ports.
 */
function pageToken(): string | null {
  const fromUrl = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

class SocketApi implements LabApi {
  private readonly token = pageToken();
  private socket: WebSocket | null = null;
  private opened: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (envelope: Envelope<unknown>) => void>();
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  private lost = false;
  private readonly lostWatchers = new Set<(lost: boolean) => void>();

  /** Once lost, lost until a reload: events sent while the socket was down (a job's log, its end) are gone, so the page may be stale even after a reconnect. */
  private setLost(): void {
    if (this.lost) return;
    this.lost = true;
    for (const watcher of this.lostWatchers) watcher(true);
  }

  /** Whether the host was lost (stopped, restarted with a new token, a dropped socket), told at once. */
  watchLost(watcher: (lost: boolean) => void): () => void {
    this.lostWatchers.add(watcher);
    watcher(this.lost);
    return () => void this.lostWatchers.delete(watcher);
  }

  private connect(): Promise<WebSocket> {
    if (this.opened) return this.opened;
    const token = this.token;
    if (!token) return Promise.reject(new Error(noToken.message));
    this.opened = new Promise((resolve, reject) => {
      const url = new URL(WIRE_PATH, window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const socket = new WebSocket(url, [WIRE_PROTOCOL, `${WIRE_TOKEN_PROTOCOL_PREFIX}${token}`]);
      socket.onopen = () => {
        this.socket = socket;
        resolve(socket);
      };
      socket.onmessage = (message) => this.receive(JSON.parse(String(message.data)) as ServerFrame);
      socket.onclose = () => {
        this.socket = null;
        this.opened = null;
        for (const settle of this.pending.values()) settle({ ok: false, error: lostConnection });
        this.pending.clear();
        reject(new Error(lostConnection.message));
        this.setLost();
        // Keep listening: a host restarted on the same port is picked up again.
        if (this.listeners.size) setTimeout(() => void this.connect().catch(() => {}), 1000);
      };
    });
    return this.opened;
  }

  private receive(frame: ServerFrame): void {
    if (frame.kind === 'result') {
      this.pending.get(frame.id)?.(frame.envelope);
      this.pending.delete(frame.id);
    } else {
      for (const listener of this.listeners.get(frame.name) ?? []) listener(frame.payload);
    }
  }

  async invoke<K extends CallName>(name: K, args: CallArgs<K>): Promise<Envelope<CallResult<K>>> {
    let socket: WebSocket;
    try {
      socket = await this.connect();
    } catch {
      return { ok: false, error: this.token ? lostConnection : noToken };
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (envelope: Envelope<unknown>) => void);
      const frame: ClientFrame = { kind: 'call', id, name, args };
      socket.send(JSON.stringify(frame));
    });
  }

  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const wrapped = listener as (payload: unknown) => void;
    set.add(wrapped);
    void this.connect().catch(() => {});
    return () => set.delete(wrapped);
  }
}

const socketApi = window.lab ? null : new SocketApi();
export const api: LabApi = window.lab ?? socketApi!;

/** Browser mode: whether the page lost its host (the desktop app's main process cannot go while its window lives). */
export const watchConnectionLost = (watcher: (lost: boolean) => void): (() => void) => socketApi?.watchLost(watcher) ?? (() => {});
export { lostConnection };
