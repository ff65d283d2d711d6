/** The Electron shell: one window over the shared services. Thin on purpose; services do the work. */
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../shared/errors';
import { createServices, type Services } from '../services';
import { readNetworkFactsOffThread } from '../offThread';
import { createContext } from '../services/context';
import { APP_SCHEME, APP_URL, appProtocolHandler, appSchemePrivileges } from './appProtocol';
import { appSenderCheck, endSessionsWithPage, forwardEvents, registerIpc } from './ipc';
import { followJobs } from './jobFeedback';
import { installAppMenu } from './menu';
import { quitGuard } from './quitGuard';
import { denyPermissions, hardenContents, windowOptions } from './security';

const here = path.dirname(fileURLToPath(import.meta.url));
const devUrl = process.env.ELECTRON_RENDERER_URL;
const appUrl = devUrl ? new URL('/', devUrl).href : APP_URL;

// Before ready, as Electron requires: the page's own scheme (appProtocol.ts).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: appSchemePrivileges }]);

let window: BrowserWindow | null = null;
const contents = () => (window && !window.isDestroyed() ? window.webContents : null);

function createWindow(): void {
  window = new BrowserWindow(windowOptions(path.join(here, '../preload/index.cjs')));
  window.once('ready-to-show', () => window?.show());
  void window.loadURL(appUrl);
}

/** The quit guard (quitGuard.ts) on the app's quit and on every window's close. */
function guardQuitWhileJobsRun(services: Services): void {
  const guard = quitGuard({
    jobs: services.jobs,
    cancelAll: () => services.dispose(),
    ask: async (options) =>
      (await (window && !window.isDestroyed() ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options))).response,
    quit: () => app.quit(),
  });
  app.on('before-quit', guard);
  app.on('browser-window-created', (_event, created) => created.on('close', guard));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });

  void app.whenReady().then(() => {
    denyPermissions(session.defaultSession);
    protocol.handle(APP_SCHEME, appProtocolHandler(path.join(here, '../renderer')));
    const services = createServices(createContext({ readNetworkFacts: readNetworkFactsOffThread }), {
      async pickFolder(defaultPath) {
        const result = await dialog.showOpenDialog(window!, {
          title: 'Choose the lab folder',
          defaultPath,
          properties: ['openDirectory', 'createDirectory'],
        });
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
      async openFolder(dir) {
        const error = await shell.openPath(dir);
        if (error)
          throw new AppError('io', `Could not open ${dir}: ${error}.`, { hint: 'Open the folder from your file manager; its path is shown above.' });
      },
    });
    guardQuitWhileJobsRun(services);
    const liveWindow = () => (window && !window.isDestroyed() ? window : null);
    const jobs = followJobs(services.ctx.events, liveWindow);
    installAppMenu(liveWindow, {
      diagnostics: async () => (await services.handlers['diagnostics.collect']({ dir: jobs.lastDir() ?? undefined })).text,
      openExternal: (url) => void shell.openExternal(url),
    });
    const ipc = registerIpc(ipcMain, services.handlers, appSenderCheck(contents, appUrl));
    forwardEvents(services.ctx.events, contents);
    app.on('browser-window-created', (_event, created) => endSessionsWithPage(created.webContents, appUrl, ipc));
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  // Every page the app ever makes, the main window's included, gets the same baseline.
  app.on('web-contents-created', (_event, created) => hardenContents(created, (url) => void shell.openExternal(url)));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
