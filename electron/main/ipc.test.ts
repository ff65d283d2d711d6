/**
 * The IPC adapter on its own: only the main frame of our window, showing our page, is answered;
 * every contract call gets a handler that goes through the one dispatcher; events reach our window
 * only while it lives.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { callNames, channelFor, type Handlers } from '../../shared/contract';
import { EventBus } from '../services/events';
import { appSenderCheck, endSessionsWithPage, forwardEvents, refusedSender, registerIpc } from './ipc';

const APP_URL = 'file:///opt/Cluster%20Lab/resources/app.asar/out/renderer/index.html';

function windowShowing(url: string) {
  const mainFrame = { url };
  const contents = { mainFrame, isDestroyed: () => false, send: vi.fn() };
  return { contents: contents as unknown as WebContents & { send: ReturnType<typeof vi.fn> }, mainFrame };
}

const from = (sender: unknown, senderFrame: unknown) => ({ sender, senderFrame }) as unknown as IpcMainInvokeEvent;

describe('the IPC sender check', () => {
  it('trusts the main frame of our window on our page, with a hash or a query', () => {
    for (const url of [APP_URL, `${APP_URL}#/lab`, `${APP_URL}?dir=x`]) {
      const { contents, mainFrame } = windowShowing(url);
      expect(appSenderCheck(() => contents, APP_URL)(from(contents, mainFrame)), url).toBe(true);
    }
  });

  it('refuses another page in our window, even one whose address starts like ours', () => {
    for (const url of [`${APP_URL}.evil.html`, `${APP_URL}/x`, 'file:///tmp/index.html', 'https://example.com/', 'about:blank', '']) {
      const { contents, mainFrame } = windowShowing(url);
      expect(appSenderCheck(() => contents, APP_URL)(from(contents, mainFrame)), url).toBe(false);
    }
  });

  it('refuses a frame inside our page, another window, a gone frame, and any sender once the window is gone', () => {
    const { contents, mainFrame } = windowShowing(APP_URL);
    const check = appSenderCheck(() => contents, APP_URL);
    expect(check(from(contents, { url: APP_URL }))).toBe(false);
    expect(check(from(windowShowing(APP_URL).contents, mainFrame))).toBe(false);
    expect(check(from(contents, null))).toBe(false);
    expect(appSenderCheck(() => null, APP_URL)(from(contents, mainFrame))).toBe(false);
  });
});

function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, args: unknown) => unknown>();
  return {
    handlers,
    ipcMain: {
      handle: (channel: string, fn: (event: IpcMainInvokeEvent, args: unknown) => unknown) => handlers.set(channel, fn),
      removeHandler: (channel: string) => handlers.delete(channel),
    } as unknown as IpcMain,
  };
}

describe('registering the contract', () => {
  const lab = { name: 'demo' };
  const handlers = { 'lab.defaultDir': vi.fn(async () => ({ dir: '/labs/demo' })) } as unknown as Handlers;

  it('answers every call of the contract on its channel, through the dispatcher, for a trusted sender', async () => {
    const { ipcMain, handlers: registered } = fakeIpcMain();
    registerIpc(ipcMain, handlers, () => true);
    expect([...registered.keys()].sort()).toEqual(callNames.map(channelFor).sort());
    const call = registered.get(channelFor('lab.defaultDir'))!;
    expect(await call(from(null, null), lab)).toEqual({ ok: true, value: { dir: '/labs/demo' } });
    // The dispatcher checks the arguments against the contract.
    expect(await call(from(null, null), { name: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('refuses an untrusted sender without running the handler', async () => {
    const { ipcMain, handlers: registered } = fakeIpcMain();
    const called = vi.fn(async () => ({ dir: '/labs/demo' }));
    const trusted = vi.fn(() => false);
    registerIpc(ipcMain, { 'lab.defaultDir': called } as unknown as Handlers, trusted);
    const event = from('stranger', null);
    expect(await registered.get(channelFor('lab.defaultDir'))!(event, lab)).toBe(refusedSender);
    expect(trusted).toHaveBeenCalledWith(event);
    expect(called).not.toHaveBeenCalled();
    expect(refusedSender).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'Refused: this request did not come from the Cluster Lab window.' },
    });
  });

  it("lets go of the labs the window's page attached to when that page goes, once", async () => {
    const { ipcMain, handlers: registered } = fakeIpcMain();
    const detach = vi.fn(async () => ({}));
    const attaching = { 'job.attach': vi.fn(async () => ({ job: null, tail: [] })), 'job.detach': detach } as unknown as Handlers;
    const ipc = registerIpc(ipcMain, attaching, () => true);
    const call = (name: 'job.attach' | 'job.detach', dir: string) => registered.get(channelFor(name))!(from(null, null), { dir });
    await call('job.attach', '/labs/a');
    await call('job.attach', '/labs/a');
    await call('job.attach', '/labs/b');
    await call('job.detach', '/labs/b');
    expect(detach).toHaveBeenCalledTimes(1);
    ipc.pageGone();
    await vi.waitFor(() => expect(detach).toHaveBeenCalledTimes(3));
    expect(detach.mock.calls.slice(1)).toEqual([[{ dir: '/labs/a' }], [{ dir: '/labs/a' }]]);
    // The next page starts with nothing attached.
    ipc.pageGone();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(detach).toHaveBeenCalledTimes(3);
  });

  it('lets go of an attach still on its way when the page went, as soon as it lands', async () => {
    const { ipcMain, handlers: registered } = fakeIpcMain();
    let land = () => {};
    const attach = vi.fn(() => new Promise((resolve) => (land = () => resolve({ job: null, tail: [] }))));
    const detach = vi.fn(async () => ({}));
    const ipc = registerIpc(ipcMain, { 'job.attach': attach, 'job.detach': detach } as unknown as Handlers, () => true);
    const attaching = registered.get(channelFor('job.attach'))!(from(null, null), { dir: '/labs/a' });
    await vi.waitFor(() => expect(attach).toHaveBeenCalled());
    ipc.pageGone();
    expect(detach).not.toHaveBeenCalled();
    land();
    await attaching;
    await vi.waitFor(() => expect(detach).toHaveBeenCalledWith({ dir: '/labs/a' }));
  });

  it('hears the page go on a reload or navigation, a crash and the end of the contents, never on a pushState', () => {
    const listeners = new Map<string, (...args: unknown[]) => void>();
    const contents = { on: (name: string, listener: (...args: unknown[]) => void) => listeners.set(name, listener) } as unknown as WebContents;
    const pageGone = vi.fn();
    endSessionsWithPage(contents, APP_URL, { pageGone });
    listeners.get('did-start-navigation')!({ isMainFrame: true, isSameDocument: true, url: `${APP_URL}?step=run` });
    listeners.get('did-start-navigation')!({ isMainFrame: false, isSameDocument: false, url: APP_URL });
    // A navigation elsewhere is refused by will-navigate: the page stays, and so does what it attached to.
    listeners.get('did-start-navigation')!({ isMainFrame: true, isSameDocument: false, url: 'https://evil.example/' });
    expect(pageGone).not.toHaveBeenCalled();
    listeners.get('did-start-navigation')!({ isMainFrame: true, isSameDocument: false, url: `${APP_URL}?step=run` });
    listeners.get('render-process-gone')!({}, { reason: 'crashed' });
    listeners.get('destroyed')!();
    expect(pageGone).toHaveBeenCalledTimes(3);
  });

  it('takes every handler back when disposed', () => {
    const { ipcMain, handlers: registered } = fakeIpcMain();
    registerIpc(ipcMain, handlers, () => true).dispose();
    expect(registered.size).toBe(0);
  });
});

describe('forwarding events', () => {
  it('sends each event on its channel to our window while it lives, and stops when disposed', () => {
    const bus = new EventBus();
    const { contents } = windowShowing(APP_URL);
    let alive = true;
    contents.isDestroyed = () => !alive;
    let current: WebContents | null = contents;
    const stop = forwardEvents(bus, () => current);
    const payload = { jobId: 'up-1', lines: [], omitted: 0, total: 0 };
    bus.emit('job.log', payload as never);
    expect(contents.send).toHaveBeenCalledWith(channelFor('job.log'), payload);
    alive = false;
    bus.emit('job.log', payload as never);
    current = null;
    bus.emit('job.log', payload as never);
    alive = true;
    current = contents;
    stop();
    bus.emit('job.log', payload as never);
    expect(contents.send).toHaveBeenCalledTimes(1);
  });
});
