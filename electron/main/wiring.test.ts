/**
 * The Electron shell against a stand-in `electron` module (no Electron binary can run here): every
 * contract call has a handler, a foreign sender is refused, the window carries the security flags,
 * navigation, pop-ups and permissions are denied, and the preload exposes only the contract.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { callNames, channelFor } from '../../shared/contract';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Handler>();
  const windows: { options: Record<string, unknown>; loaded: string[]; contents: Record<string, unknown> }[] = [];
  const appHandlers = new Map<string, Handler[]>();
  const emitApp = (name: string, ...args: unknown[]) => appHandlers.get(name)?.forEach((fn) => fn(...(args as [unknown, ...unknown[]])));
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  const makeContents = () => {
    const on = new Map<string, Handler>();
    const contents = {
      on: (name: string, fn: Handler) => on.set(name, fn),
      handlers: on,
      windowOpen: null as null | ((details: { url: string }) => unknown),
      setWindowOpenHandler(fn: (details: { url: string }) => unknown) {
        contents.windowOpen = fn;
      },
      mainFrame: { url: '' },
      isDestroyed: () => false,
      send: vi.fn(),
    };
    return contents;
  };
  class BrowserWindow {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all;
    webContents = makeContents();
    constructor(public options: Record<string, unknown>) {
      windows.push({ options, loaded: [], contents: this.webContents });
      BrowserWindow.all.push(this);
      // As Electron does for every new page, the main window's included, and for every window.
      emitApp('web-contents-created', {}, this.webContents);
      emitApp('browser-window-created', {}, this);
    }
    once() {}
    on() {}
    isDestroyed = () => false;
    loadURL = (url: string) => {
      windows.at(-1)!.loaded.push(url);
      this.webContents.mainFrame.url = url;
      return Promise.resolve();
    };
  }
  const permission = { request: null as null | Handler, check: null as null | Handler };
  const electron = {
    app: {
      requestSingleInstanceLock: vi.fn(() => true),
      quit: vi.fn(),
      on: vi.fn((name: string, fn: Handler) => appHandlers.set(name, [...(appHandlers.get(name) ?? []), fn])),
      whenReady: () => ready,
      isPackaged: true,
    },
    Menu: { buildFromTemplate: vi.fn((template: unknown) => template), setApplicationMenu: vi.fn() },
    BrowserWindow,
    ipcMain: { handle: (channel: string, fn: Handler) => handlers.set(channel, fn), removeHandler: (channel: string) => handlers.delete(channel) },
    ipcRenderer: {
      invoke: vi.fn(async (channel: string) => ({ ok: true, value: channel })),
      on: (channel: string, fn: Handler) => listeners.set(channel, fn),
      removeListener: (channel: string) => listeners.delete(channel),
    },
    contextBridge: {
      exposed: {} as Record<string, unknown>,
      exposeInMainWorld: (key: string, api: unknown) => (electron.contextBridge.exposed[key] = api),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Handler) => (permission.request = fn),
        setPermissionCheckHandler: (fn: Handler) => (permission.check = fn),
      },
    },
    shell: { openExternal: vi.fn(), openPath: vi.fn(async () => '') },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    dialog: { showOpenDialog: vi.fn() },
  };
  return { electron, handlers, listeners, windows, permission, ready: () => readyResolve() };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));
// The worker's entry is a separate bundle (electron-vite's ?modulePath), built only by electron-vite.
vi.mock('../offThread', () => ({ readNetworkFactsOffThread: vi.fn() }));

describe('Electron main process', () => {
  beforeEach(async () => {
    if (fake.windows.length === 0) {
      await import('./index');
      fake.ready();
      await vi.waitFor(() => expect(fake.windows.length).toBe(1));
    }
  });

  it('takes the single-instance lock and registers a handler for every contract call, and no other', () => {
    expect(fake.electron.app.requestSingleInstanceLock).toHaveBeenCalled();
    expect([...fake.handlers.keys()].sort()).toEqual(callNames.map(channelFor).sort());
  });

  it("hears the window's page go (a reload, a crash, the window's end), to let go of the labs it attached to", () => {
    const contents = fake.windows[0]!.contents as { handlers: Map<string, Handler> };
    for (const event of ['did-start-navigation', 'render-process-gone', 'destroyed']) expect(contents.handlers.has(event), event).toBe(true);
  });

  it('creates one window with the security baseline', () => {
    const prefs = fake.windows[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(fake.windows[0]!.loaded).toEqual(['app://cluster-lab/']);
  });

  it('serves the page from app://cluster-lab/, a standard secure scheme registered before ready, not from file://', async () => {
    expect(fake.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    const [scheme, handler] = fake.electron.protocol.handle.mock.calls[0] as unknown as [string, (request: Request) => Promise<Response>];
    expect(scheme).toBe('app');
    // The test runs from the sources, where no built renderer folder sits beside electron/main.
    expect((await handler(new Request('app://cluster-lab/..%2fmain%2findex.ts'))).status).toBe(404);
  });

  it('answers calls from its own window and refuses any other sender', async () => {
    const contents = fake.windows[0]!.contents as { mainFrame: { url: string } };
    const handler = fake.handlers.get(channelFor('host.facts'))!;
    const own = await handler({ sender: contents, senderFrame: contents.mainFrame }, {});
    expect(own).toMatchObject({ ok: true });
    const foreignFrame = { url: 'https://evil.example/' };
    const foreign = await handler({ sender: contents, senderFrame: foreignFrame }, {});
    expect(foreign).toMatchObject({ ok: false, error: { message: expect.stringMatching(/Refused/) } });
    const otherContents = await handler({ sender: {}, senderFrame: contents.mainFrame }, {});
    expect(otherContents).toMatchObject({ ok: false });
  });

  it('blocks navigation and window.open, sending only documentation links to the system browser', () => {
    const contents = fake.windows[0]!.contents as { handlers: Map<string, Handler>; windowOpen: (d: { url: string }) => unknown };
    const event = { preventDefault: vi.fn() };
    contents.handlers.get('will-navigate')!(event, 'https://evil.example/');
    expect(event.preventDefault).toHaveBeenCalled();
    contents.handlers.get('will-navigate')!({ preventDefault: vi.fn() }, 'https://kubernetes.io/docs/tasks/tools/');
    for (const url of [
      'https://docs.k3s.io/',
      'https://evil.example/',
      'http://kubernetes.io/',
      'file:///etc/passwd',
      'smb://evil.example/share/x.desktop',
    ])
      expect(contents.windowOpen({ url }), url).toEqual({ action: 'deny' });
    expect(fake.electron.shell.openExternal.mock.calls).toEqual([['https://kubernetes.io/docs/tasks/tools/'], ['https://docs.k3s.io/']]);
  });

  it("has a Tools menu that puts the installed app's cluster-lab command on PATH (macOS and Windows; the deb does it on Linux)", () => {
    const template = fake.electron.Menu.setApplicationMenu.mock.calls[0]![0] as { label?: string; submenu?: { label: string; visible: boolean }[] }[];
    const tools = template.find((menu) => menu.label === 'Tools')!;
    expect(tools.submenu![0]!.label).toMatch(/'cluster-lab' Command/);
    expect(tools.submenu![0]!.visible).toBe(process.platform !== 'linux');
  });

  it('denies every permission request', () => {
    const callback = vi.fn();
    fake.permission.request!(null, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);
    expect(fake.permission.check!(null, 'geolocation')).toBe(false);
  });
});

describe('preload', () => {
  it('exposes only the contract on window.lab, never ipcRenderer', async () => {
    await import('../preload/index');
    const exposed = fake.electron.contextBridge.exposed;
    expect(Object.keys(exposed)).toEqual(['lab']);
    const lab = exposed.lab as { invoke: (n: string, a: unknown) => Promise<unknown>; on: (n: string, f: () => void) => () => void };
    expect(Object.keys(lab).sort()).toEqual(['invoke', 'on']);
    await lab.invoke('host.facts', {});
    expect(fake.electron.ipcRenderer.invoke).toHaveBeenCalledWith(channelFor('host.facts'), {});
    fake.electron.ipcRenderer.invoke.mockClear();
    expect(await lab.invoke('../../etc', {})).toMatchObject({ ok: false });
    expect(fake.electron.ipcRenderer.invoke).not.toHaveBeenCalled();
    const off = lab.on('job.log', () => {});
    expect(fake.listeners.has(channelFor('job.log'))).toBe(true);
    off();
    expect(fake.listeners.has(channelFor('job.log'))).toBe(false);
    lab.on('not-an-event', () => {});
    expect(fake.listeners.has('lab:not-an-event')).toBe(false);
  });
});
