/** The contract over Electron IPC: one handler per call, each checking that the sender is our page. */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { callNames, channelFor, type Envelope, type Handlers } from '../../shared/contract';
import type { EventBus } from '../services/events';
import { dispatch } from '../services/dispatch';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/** A sender is trusted when it is the main frame of our own window showing our own page. */
export function appSenderCheck(getContents: () => WebContents | null, appUrl: string): SenderCheck {
  return (event) => {
    const contents = getContents();
    const frame = event.senderFrame;
    if (!contents || event.sender !== contents || !frame || frame !== contents.mainFrame) return false;
    return frame.url === appUrl || frame.url.startsWith(`${appUrl}#`) || frame.url.startsWith(`${appUrl}?`);
  };
}

export const refusedSender: Envelope<never> = {
  ok: false,
  error: { code: 'invalid_input', message: 'Refused: this request did not come from the Cluster Lab window.' },
};

export function registerIpc(ipcMain: IpcMain, handlers: Handlers, trusted: SenderCheck): () => void {
  for (const name of callNames) {
    ipcMain.handle(channelFor(name), (event, args: unknown) => (trusted(event) ? dispatch(handlers, name, args) : refusedSender));
  }
  return () => callNames.forEach((name) => ipcMain.removeHandler(channelFor(name)));
}

/** Events go to our window only, and only while it is alive. */
export function forwardEvents(bus: EventBus, getContents: () => WebContents | null): () => void {
  return bus.onAny((name, payload) => {
    const contents = getContents();
    if (contents && !contents.isDestroyed()) contents.send(channelFor(name), payload);
  });
}
