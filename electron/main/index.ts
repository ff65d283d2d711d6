/** The Electron shell: one window over the shared services. Thin on purpose; services do the work. */
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AppError } from '../../shared/errors';
import { createServices, type Services } from '../services';
import { readNetworkFactsOffThread } from '../offThread';
import { createContext } from '../services/context';
import { appSenderCheck, forwardEvents, registerIpc } from './ipc';
import { installAppMenu } from './menu';
import { denyPermissions, hardenContents, windowOptions } from './security';

const here = path.dirname(fileURLToPath(import.meta.url));
const devUrl = process.env.ELECTRON_RENDERER_URL;
const appUrl = devUrl ? new URL('/', devUrl).href : pathToFileURL(path.join(here, '../renderer/index.html')).href;

let window: BrowserWindow | null = null;
const contents = () => (window && !window.isDestroyed() ? window.webContents : null);

function createWindow(): void {
  window = new BrowserWindow(windowOptions(path.join(here, '../preload/index.cjs')));
  window.once('ready-to-show', () => window?.show());
  void window.loadURL(appUrl);
}

/**
 * Closing while a job runs asks first: cancel it the clean way (Vagrant gets Ctrl-C and releases
 * its machine locks), or let it finish and quit then, or stay. Nothing is left half-killed.
 */
function guardQuitWhileJobsRun(services: Services): void {
  let allowed = false;
  let asking = false;
  const quitNow = () => {
    allowed = true;
    app.quit();
  };
  const ask = async () => {
    const running = services.jobs.runningJobs();
    if (asking) return;
    if (running.length === 0) return quitNow();
    asking = true;
    const job = running[0]!;
    const options: Electron.MessageBoxOptions = {
      type: 'warning',
      title: 'A lab job is running',
      message: `${job.kind} is still running on ${job.dir}.`,
      detail:
        'Cancel it: Vagrant stops the clean way and the VMs stay as far as the job got. Or keep the VMs as they are: the job runs to its end, then Cluster Lab quits.',
      buttons: ['Cancel the job and quit', 'Finish the job, then quit', "Don't quit"],
      defaultId: 2,
      cancelId: 2,
      noLink: true,
    };
    const { response } = await (window && !window.isDestroyed() ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options));
    asking = false;
    if (response === 0) await services.dispose();
    else if (response === 1) await Promise.all(running.map((j) => services.jobs.wait(j.id)));
    else return;
    quitNow();
  };
  const guard = (event: Electron.Event) => {
    if (allowed || services.jobs.runningJobs().length === 0) return;
    event.preventDefault();
    void ask();
  };
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
    installAppMenu(() => (window && !window.isDestroyed() ? window : null));
    registerIpc(ipcMain, services.handlers, appSenderCheck(contents, appUrl));
    forwardEvents(services.ctx.events, contents);
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
