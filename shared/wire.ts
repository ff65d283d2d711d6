/** Browser mode carries the contract over one WebSocket; these are its frames. */
import type { CallName, Envelope, EventName } from './contract';

export type ClientFrame = { kind: 'call'; id: number; name: CallName; args: unknown };
export type ServerFrame = { kind: 'result'; id: number; envelope: Envelope<unknown> } | { kind: 'event'; name: EventName; payload: unknown };

/** The WebSocket path on the browser-mode host. */
export const WIRE_PATH = '/ws';
