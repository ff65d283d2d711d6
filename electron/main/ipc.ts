/** The contract over Electron IPC: one handler per call, each checking that the sender is our page. */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { callNames, channelFor, type Envelope, type Handlers } from '../../shared/contract';
import type { EventBus } from '../services/events';
import { pageSession } from '../services/pageSession';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/** Our own page, at any of its steps (`?step=`) or anchors. */
const isAppPage = (url: string, appUrl: string) => url === appUrl || url.startsWith(`${appUrl}#`) || url.startsWith(`${appUrl}?`);

/** A sender is trusted when it is the main frame of our own window showing our own page. */
export function appSenderCheck(getContents: () => WebContents | null, appUrl: string): SenderCheck {
  return (event) => {
    const contents = getContents();
    const frame = event.senderFrame;
    if (!contents || event.sender !== contents || !frame || frame !== contents.mainFrame) return false;
    return isAppPage(frame.url, appUrl);
  };
}

export const refusedSender: Envelope<never> = {
  ok: false,
  error: { code: 'invalid_input', message: 'Refused: this request did not come from the Cluster Lab window.' },
};

export interface RegisteredIpc {
  /** The window's document went (a reload, a navigation, a crash, the window closed): what it attached to is let go. */
  pageGone(): void;
  /** Takes every handler back. */
  dispose(): void;
}

export function registerIpc(ipcMain: IpcMain, handlers: Handlers, trusted: SenderCheck): RegisteredIpc {
  let session = pageSession(handlers);
  for (const name of callNames) {
    ipcMain.handle(channelFor(name), (event, args: unknown) => (trusted(event) ? session.call(name, args) : refusedSender));
  }
  return {
    pageGone() {
      session.end();
      session = pageSession(handlers);
    },
    dispose: () => callNames.forEach((name) => ipcMain.removeHandler(channelFor(name))),
  };
}

/**
 * Tells `ipc` when the window's document goes: the main frame loading our page as a new document (a
 * reload; not a pushState, which keeps the page), the renderer's crash, the contents' end. It is
 * told at the navigation's start, before the new document can call anything. A navigation anywhere
 * else is refused at will-navigate (security.ts), which Electron emits after did-start-navigation,
 * so it ends nothing: the page stays. (https://www.electronjs.org/docs/latest/api/web-contents, "Navigation Events".)
 */
export function endSessionsWithPage(contents: WebContents, appUrl: string, ipc: Pick<RegisteredIpc, 'pageGone'>): void {
  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument && isAppPage(details.url, appUrl)) ipc.pageGone();
  });
  contents.on('render-process-gone', () => ipc.pageGone());
  contents.on('destroyed', () => ipc.pageGone());
}

/** Events go to our window only, and only while it is alive. */
export function forwardEvents(bus: EventBus, getContents: () => WebContents | null): () => void {
  return bus.onAny((name, payload) => {
    const contents = getContents();
    if (contents && !contents.isDestroyed()) contents.send(channelFor(name), payload);
  });
}
