/**
 * The window's security baseline, in one place so the wiring test can hold it to account:
 * isolated, sandboxed, no Node in the page, no navigation, no pop-ups, no permissions.
 */
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1180,
    height: 820,
    minWidth: 900,
    minHeight: 640,
    show: false,
    title: 'Cluster Lab',
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/**
 * The only places a link may take the user: the documentation of the tools the wizard drives.
 * `shell.openExternal` hands a URL to the OS, which opens file:, smb: or a registered app's scheme
 * as readily as a web page (Electron's docs/tutorial/security.md, 15: "Do not use
 * shell.openExternal with untrusted content"), so nothing else leaves the app.
 */
export const documentationHosts: readonly string[] = [
  'developer.hashicorp.com',
  'www.virtualbox.org',
  'kubernetes.io',
  'docs.k3s.io',
  'telepresence.io',
];

/** The link as it will be opened, when it is https to a documentation host on its own port with no credentials; else null. */
export function documentationLink(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const link = new URL(url);
  const plain = link.protocol === 'https:' && link.port === '' && link.username === '' && link.password === '';
  return plain && documentationHosts.includes(link.hostname) ? link.href : null;
}

/** Every link the page follows goes through here: opened in the system browser when allowed, dropped otherwise. */
export function openDocumentation(url: string, openExternal: (url: string) => void): void {
  const link = documentationLink(url);
  if (link) openExternal(link);
}

export function hardenContents(contents: WebContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openDocumentation(url, openExternal);
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openDocumentation(url, openExternal);
    return { action: 'deny' };
  });
}

/**
 * The page's Copy buttons call navigator.clipboard.writeText, which Chromium grants through its
 * sanitized-write permission (components/permissions/contexts/clipboard_sanitized_write_permission_context.cc);
 * Electron hands it to both handlers as 'clipboard-sanitized-write' (docs/api/session.md,
 * setPermissionRequestHandler; the permission union in electron.d.ts of Electron 45). Writing text
 * is all the page needs: reading the clipboard ('clipboard-read') and everything else stays refused.
 */
const allowedPermissions: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(allowedPermissions.has(permission)));
  session.setPermissionCheckHandler((_contents, permission) => allowedPermissions.has(permission));
}
