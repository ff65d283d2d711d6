/**
 * The built page's files, as both shells that serve them find them: browser mode's host over http
 * and the app's `app://` protocol. An address names a file inside the renderer folder or nothing.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface RendererFile {
  file: string;
  size: number;
  contentType: string;
}

/**
 * The path under `root` that an address's (still percent-encoded) path names: `/` is the page,
 * leading slashes are dropped, and anything that decodes to a place outside `root` (`..`, `%2e%2e%2f`,
 * a backslash on Windows), cannot be decoded or holds a NUL is null.
 */
export function rendererPath(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded.replace(/^[/\\]+/, '') || 'index.html';
  const dir = path.resolve(root);
  const file = path.resolve(dir, relative);
  return file.startsWith(dir + path.sep) ? file : null;
}

/** The regular file an address names in the renderer folder, with its type, or null. */
export async function rendererFile(root: string, pathname: string): Promise<RendererFile | null> {
  const file = rendererPath(root, pathname);
  const info = file ? await stat(file).catch(() => null) : null;
  if (!file || !info?.isFile()) return null;
  return { file, size: info.size, contentType: contentTypes[path.extname(file)] ?? 'application/octet-stream' };
}
