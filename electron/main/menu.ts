/** The app menu: Electron's standard menus, plus putting the `cluster-lab` command on PATH. */
import { app, dialog, Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { AppError } from '../../shared/errors';
import { putCliOnPath } from '../services/cliOnPath';

export function installAppMenu(window: () => BrowserWindow | null): void {
  const mac = process.platform === 'darwin';
  const putOnPath: MenuItemConstructorOptions = {
    label: process.platform === 'win32' ? "Add 'cluster-lab' Command to PATH" : "Install 'cluster-lab' Command in PATH",
    // Only an installed app has resources/bin; the deb installs the command itself.
    visible: app.isPackaged && process.platform !== 'linux',
    click: async () => {
      const show = (options: Electron.MessageBoxOptions) => {
        const parent = window();
        return parent ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options);
      };
      try {
        const { message } = await putCliOnPath({ platform: process.platform }, process.resourcesPath);
        await show({ type: 'info', message });
      } catch (error) {
        const detail = error instanceof AppError ? error.hint : undefined;
        await show({ type: 'error', message: error instanceof Error ? error.message : String(error), detail });
      }
    },
  };
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { label: 'Tools', submenu: [putOnPath] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
