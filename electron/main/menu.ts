/** The app menu: Electron's standard menus, putting the `cluster-lab` command on PATH, and Help. */
import { app, clipboard, dialog, Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { AppError } from '../../shared/errors';
import { helpLinks } from '../../shared/helpLinks';
import { putCliOnPath } from '../services/cliOnPath';
import { openDocumentation } from './security';

export interface HelpActions {
  /** The diagnostics text (diagnostics.collect), secrets already out. */
  diagnostics(): Promise<string>;
  openExternal(url: string): void;
}

export function installAppMenu(window: () => BrowserWindow | null, help: HelpActions): void {
  const mac = process.platform === 'darwin';
  const show = (options: Electron.MessageBoxOptions) => {
    const parent = window();
    return parent ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options);
  };
  const putOnPath: MenuItemConstructorOptions = {
    label: process.platform === 'win32' ? "Add 'cluster-lab' Command to PATH" : "Install 'cluster-lab' Command in PATH",
    // Only an installed app has resources/bin; the deb installs the command itself.
    visible: app.isPackaged && process.platform !== 'linux',
    click: async () => {
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
    {
      role: 'help',
      submenu: [
        ...helpLinks.map(({ label, url }) => ({ label, click: () => openDocumentation(url, help.openExternal) })),
        { type: 'separator' },
        {
          label: 'Copy Diagnostics',
          click: async () => {
            try {
              clipboard.writeText(await help.diagnostics());
              await show({
                type: 'info',
                message: 'Diagnostics copied.',
                detail: 'Versions, the doctor report and the last job’s log, with tokens and keys taken out.',
              });
            } catch (error) {
              await show({ type: 'error', message: `Could not collect diagnostics: ${error instanceof Error ? error.message : String(error)}` });
            }
          },
        },
        {
          label: 'About Cluster Lab',
          click: () =>
            void show({
              type: 'info',
              message: `Cluster Lab ${app.getVersion()}`,
              detail: `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}\nA bridged Vagrant + VirtualBox + k3s lab, safe from Telepresence's VIF recursion.`,
            }),
        },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
