/** Browser mode carries the contract over one WebSocket; these are its frames. */
import type { CallName, Envelope, EventName } from './contract';

export type ClientFrame = { kind: 'call'; id: number; name: CallName; args: unknown };
export type ServerFrame = { kind: 'result'; id: number; envelope: Envelope<unknown> } | { kind: 'event'; name: EventName; payload: unknown };

/** The WebSocket path on the browser-mode host. */
export const WIRE_PATH = '/ws';
/**
 * The page offers two WebSocket subprotocols: this one, which the host answers with, and this
 * prefix followed by the access token, since a browser's WebSocket can set no other header.
 */
export const WIRE_PROTOCOL = 'cluster-lab';
export const WIRE_TOKEN_PROTOCOL_PREFIX = 'cluster-lab.token.';
