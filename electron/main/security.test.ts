import type { Session, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { denyPermissions, documentationHosts, documentationLink, hardenContents, openDocumentation, windowOptions } from './security';

describe('links out of the app', () => {
  it('opens https links to the documentation hosts, as the URL parser writes them', () => {
    for (const host of documentationHosts) expect(documentationLink(`https://${host}/docs?x=1#y`)).toBe(`https://${host}/docs?x=1#y`);
    expect(documentationLink('https://KUBERNETES.io/docs/')).toBe('https://kubernetes.io/docs/');
    expect(documentationLink('https://kubernetes.io:443/')).toBe('https://kubernetes.io/');
  });

  it('refuses every other scheme, host, port and any credentials', () => {
    for (const url of [
      'http://kubernetes.io/',
      'https://kubernetes.io.evil.example/',
      'https://evil.example/?https://kubernetes.io/',
      'https://evil.kubernetes.io/',
      'https://user:pass@kubernetes.io/',
      'https://user@kubernetes.io/',
      'https://:pass@kubernetes.io/',
      'https://kubernetes.io@evil.example/',
      'https://kubernetes.io:8443/',
      'file:///etc/passwd',
      'smb://evil.example/share/x.desktop',
      'javascript:alert(1)',
      'app://cluster-lab/',
      'not a url',
      '',
    ])
      expect(documentationLink(url), url).toBeNull();
  });

  it('hands only an allowed link to the opener, once', () => {
    const open = vi.fn();
    openDocumentation('https://developer.hashicorp.com/vagrant/install', open);
    openDocumentation('file:///Applications/Calculator.app', open);
    expect(open.mock.calls).toEqual([['https://developer.hashicorp.com/vagrant/install']]);
  });
});

describe('the window and its pages', () => {
  it('makes the window isolated and sandboxed, with no Node, no webview and web security on', () => {
    expect(windowOptions('/app/preload.cjs')).toEqual({
      width: 1180,
      height: 820,
      minWidth: 900,
      minHeight: 640,
      show: false,
      title: 'Cluster Lab',
      backgroundColor: '#f6f7f9',
      webPreferences: {
        preload: '/app/preload.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
      },
    });
  });

  it('stops every navigation and webview, denies every new window, and lets out only documentation links', () => {
    const handlers = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
    let windowOpen: (details: { url: string }) => unknown = () => null;
    const contents = {
      on: (name: string, handler: (event: { preventDefault(): void }, url?: string) => void) => handlers.set(name, handler),
      setWindowOpenHandler: (handler: typeof windowOpen) => (windowOpen = handler),
    } as unknown as WebContents;
    const open = vi.fn();
    hardenContents(contents, open);
    const event = () => ({ preventDefault: vi.fn() });
    const navigations = [event(), event()];
    handlers.get('will-navigate')!(navigations[0]!, 'https://telepresence.io/docs/');
    handlers.get('will-navigate')!(navigations[1]!, 'app://cluster-lab/elsewhere');
    const webview = event();
    handlers.get('will-attach-webview')!(webview);
    for (const { preventDefault } of [...navigations, webview]) expect(preventDefault).toHaveBeenCalledOnce();
    expect(windowOpen({ url: 'https://docs.k3s.io/' })).toEqual({ action: 'deny' });
    expect(windowOpen({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(open.mock.calls).toEqual([['https://telepresence.io/docs/'], ['https://docs.k3s.io/']]);
  });

  it('allows writing to the clipboard (the Copy buttons) and denies every other permission, asked or checked', () => {
    let request: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
    let check: ((contents: unknown, permission: string) => boolean) | null = null;
    denyPermissions({
      setPermissionRequestHandler: (handler: typeof request) => (request = handler),
      setPermissionCheckHandler: (handler: typeof check) => (check = handler),
    } as unknown as Session);
    const asked = (permission: string) => {
      const callback = vi.fn();
      request!(null, permission, callback);
      return callback.mock.calls;
    };
    expect(asked('clipboard-sanitized-write')).toEqual([[true]]);
    expect(check!(null, 'clipboard-sanitized-write')).toBe(true);
    for (const permission of ['clipboard-read', 'deprecated-sync-clipboard-read', 'media', 'notifications', 'openExternal', 'unknown', '']) {
      expect(asked(permission), permission).toEqual([[false]]);
      expect(check!(null, permission), permission).toBe(false);
    }
  });
});
