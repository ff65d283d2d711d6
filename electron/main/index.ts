/** The Electron shell: one window over the shared services. Thin on purpose; services do the work. */
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServices } from '../services';
import { createContext } from '../services/context';
import { appSenderCheck, forwardEvents, registerIpc } from './ipc';
import { denyPermissions, hardenContents, windowOptions } from './security';

const here = path.dirname(fileURLToPath(import.meta.url));
const devUrl = process.env.ELECTRON_RENDERER_URL;
const appUrl = devUrl ? new URL('/', devUrl).href : pathToFileURL(path.join(here, '../renderer/index.html')).href;

let window: BrowserWindow | null = null;
const contents = () => (window && !window.isDestroyed() ? window.webContents : null);

function createWindow(): void {
  window = new BrowserWindow(windowOptions(path.join(here, '../preload/index.cjs')));
  hardenContents(window.webContents, (url) => void shell.openExternal(url));
  window.once('ready-to-show', () => window?.show());
  void window.loadURL(appUrl);
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
    const services = createServices(createContext());
    services.handlers['dialog.pickFolder'] = async ({ defaultPath }) => {
      const result = await dialog.showOpenDialog(window!, {
        title: 'Choose the lab folder',
        defaultPath,
        properties: ['openDirectory', 'createDirectory'],
      });
      return { supported: true, dir: result.canceled ? null : (result.filePaths[0] ?? null) };
    };
    services.handlers['shell.openFolder'] = async ({ dir }) => {
      const error = await shell.openPath(dir);
      if (error) throw new Error(error);
      return { supported: true };
    };
    registerIpc(ipcMain, services.handlers, appSenderCheck(contents, appUrl));
    forwardEvents(services.ctx.events, contents);
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  app.on('web-contents-created', (_event, created) => hardenContents(created, (url) => void shell.openExternal(url)));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
