/**
 * The page's own origin, `app://cluster-lab/`, instead of file://. Electron's security checklist
 * (docs/tutorial/security.md, 18: "Avoid usage of the file:// protocol and prefer usage of custom
 * protocols") gives file:// pages privileges a browser never would; served from here, the page is
 * an ordinary secure origin and the GrantFileProtocolExtraPrivileges fuse can be off
 * (electron-builder.yml). Pure: index.ts registers it with `protocol.handle`, the way
 * docs/api/protocol.md serves a folder, and the tests call it with plain Requests.
 */
import { readFile } from 'node:fs/promises';
import { rendererFile } from '../services/rendererFiles';

export const APP_SCHEME = 'app';
export const APP_HOST = 'cluster-lab';
/** The page's address: the renderer folder's index.html. */
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/`;

/**
 * What `protocol.registerSchemesAsPrivileged` grants the scheme: standard (relative URLs resolve,
 * and it gets an origin with web storage, which the wizard's draft lives in) and secure. Not
 * bypassCSP: the page's meta CSP holds here as it does in browser mode.
 */
export const appSchemePrivileges = { standard: true, secure: true, supportFetchAPI: true } as const;

const plain = (status: number, body: string) => new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/** Serves the files of `rendererDir` at `app://cluster-lab/`, and nothing else. */
export function appProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return plain(404, 'Not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed\n');
    const found = await rendererFile(rendererDir, url.pathname);
    if (!found) return plain(404, 'Not found\n');
    const body = request.method === 'HEAD' ? null : await readFile(found.file);
    return new Response(body, { headers: { 'content-type': found.contentType, 'x-content-type-options': 'nosniff' } });
  };
}
