/**
 * The contract client. In Electron the preload provides `window.lab`; in browser mode the same
 * interface runs over the host's WebSocket. Views call `invoke` and get an envelope, never a throw.
 */
import type { CallArgs, CallName, CallResult, Envelope, EventName, EventPayload, LabApi } from '../shared/contract';
import type { ErrorInfo } from '../shared/errors';
import { WIRE_PATH, type ClientFrame, type ServerFrame } from '../shared/wire';

declare global {
  interface Window {
    lab?: LabApi;
  }
}

const lostConnection: ErrorInfo = {
  code: 'io',
  message: 'Lost the connection to Cluster Lab.',
  hint: 'Check that `npm run web` is still running, then reload this page.',
};

class SocketApi implements LabApi {
  private socket: WebSocket | null = null;
  private opened: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (envelope: Envelope<unknown>) => void>();
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  private connect(): Promise<WebSocket> {
    if (this.opened) return this.opened;
    this.opened = new Promise((resolve, reject) => {
      const url = new URL(WIRE_PATH, window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const socket = new WebSocket(url);
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
      return { ok: false, error: lostConnection };
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

export const api: LabApi = window.lab ?? new SocketApi();
