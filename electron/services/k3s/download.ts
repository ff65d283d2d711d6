/**
 * One file over HTTP into `<dest>.part`, resumable: an interrupted download continues with a Range
 * request, a cancelled one leaves its `.part` for the next run. Verification and the rename into
 * place are the caller's (cache.ts), so a file under its final name has always been checked.
 *
 * undici's fetch, with redirects followed by hand: the count is ours, and a channel's redirect is read
 * rather than followed (resolveChannel). Each request (each redirect hop too) goes through the proxy
 * the environment names for its URL (proxy.ts); Node 20's own fetch would ignore HTTPS_PROXY.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fetch, type RequestInit, type Response } from 'undici';
import { transferText, type TransferProgress } from '../../../shared/bytes';
import { AppError } from '../../../shared/errors';
import { makeFolders } from '../files';
import { dispatcherFor } from './proxy';

export type DownloadProgress = TransferProgress;

/** One line per file about once a second, and one when it completes: bytes, rate and time left. */
export function progressLines(emit: (line: string) => void, now: () => number = Date.now): (p: DownloadProgress) => void {
  let last = { file: '', at: 0 };
  return (p) => {
    const done = p.total !== null && p.bytes === p.total;
    if (!done && p.file === last.file && now() - last.at < 1000) return;
    last = { file: p.file, at: now() };
    emit(transferText(p));
  };
}

export interface DownloadLimits {
  maxBytes: number;
  maxRedirects: number;
  /** From the request to the response's headers. */
  headersTimeoutMs: number;
  /** The longest wait for the next bytes of a body. */
  idleTimeoutMs: number;
  /** Attempts after a dropped connection, each resuming where the last stopped. */
  retries: number;
}

export const DEFAULT_LIMITS: DownloadLimits = {
  maxBytes: 1024 ** 3,
  maxRedirects: 10,
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  retries: 3,
};

export interface DownloadOptions {
  url: string;
  /** Where the bytes go: the `.part` file itself. */
  part: string;
  /** The name a person knows the file by, for messages and progress. */
  file: string;
  /** Where the proxy settings come from (HTTPS_PROXY, NO_PROXY...). */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  limits?: Partial<DownloadLimits>;
  now?: () => number;
}

export interface Downloaded {
  /** Bytes this call received from the network (not those already in the `.part`). */
  received: number;
  /** The sha256 of the whole `.part`, hashed as its bytes were written (a resumed one's first part read back first). */
  sha256: string;
}

export async function downloadToPart(options: DownloadOptions): Promise<Downloaded> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  let received = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const done = await attemptDownload(options, limits);
      return { received: received + done.received, sha256: done.sha256 };
    } catch (error) {
      if (error instanceof Interrupted) {
        received += error.received;
        if (attempt < limits.retries && !options.signal?.aborted) continue;
        throw new AppError(
          'failed',
          `The download of ${options.file} from ${options.url} broke off ${attempt + 1} times (last: ${describeCause(error.cause)}).`,
          {
            hint: 'Check the network and run the fetch again: it resumes where it stopped.',
            cause: error.cause,
          },
        );
      }
      throw error;
    }
  }
}

/** A body that broke off after `received` bytes: worth another Range request. */
class Interrupted extends Error {
  constructor(
    readonly received: number,
    cause: unknown,
  ) {
    super('interrupted', { cause });
  }
}

async function attemptDownload(options: DownloadOptions, limits: DownloadLimits): Promise<Downloaded> {
  const { file, part } = options;
  const now = options.now ?? Date.now;
  const have = await stat(part).then(
    (s) => s.size,
    () => 0,
  );
  const stall = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
  const response = await request(options, have > 0 ? { range: `bytes=${have}-` } : {}, signal, stall, limits);

  let start: number;
  let total: number | null;
  if (response.status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== have) {
      await response.body?.cancel();
      throw new AppError('failed', `${file}: the server answered a resume with a range that does not start at byte ${have}.`, {
        hint: 'Delete the .part file in the k3s cache and fetch again.',
      });
    }
    start = have;
    total = range[2] === '*' ? null : Number(range[2]);
  } else if (response.status === 416 && have > 0) {
    // The .part is as long as the file or longer: start over rather than guess which.
    await response.body?.cancel();
    await truncate(part, 0);
    return attemptDownload(options, limits);
  } else if (response.status === 200) {
    // A server that ignores Range sends the whole file: it replaces the .part.
    start = 0;
    const length = response.headers.get('content-length');
    total = length === null ? null : Number(length);
  } else {
    await response.body?.cancel();
    throw new AppError('failed', `Downloading ${file} from ${options.url} failed: HTTP ${response.status}.`, {
      hint:
        response.status === 404
          ? 'Check the version (e.g. v1.33.1+k3s1) and the architecture, or the mirror in CLUSTER_LAB_K3S_RELEASES.'
          : 'Try again later, or set CLUSTER_LAB_K3S_RELEASES to a mirror.',
    });
  }
  if (total !== null && total > limits.maxBytes) {
    await response.body?.cancel();
    throw tooBig(file, limits.maxBytes);
  }
  if (!response.body) throw new AppError('failed', `Downloading ${file}: the server sent no body.`, { hint: 'Try again.' });

  const hash = createHash('sha256');
  if (start > 0) await hashPrefix(part, start, hash);
  const began = now();
  let received = 0;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => stall.abort(new AppError('timeout', `${file}: no data for ${limits.idleTimeoutMs / 1000} s.`)), limits.idleTimeoutMs);
  };
  // Each chunk is on disk before it is reported, so a cancel from a progress handler keeps all it saw.
  // Its folder made again here: another process's fetch of this version that failed meanwhile removes the folder it left empty.
  await makeFolders(path.dirname(part));
  const handle = await open(part, start > 0 ? 'a' : 'w');
  try {
    armIdle();
    for await (const chunk of Readable.fromWeb(response.body as WebReadableStream) as AsyncIterable<Buffer>) {
      armIdle();
      if (start + received + chunk.length > limits.maxBytes) throw tooBig(file, limits.maxBytes);
      await handle.write(chunk);
      hash.update(chunk);
      received += chunk.length;
      const rate = received / Math.max((now() - began) / 1000, 0.001);
      const bytes = start + received;
      options.onProgress?.({ file, bytes, total, rate, etaSeconds: total === null ? null : (total - bytes) / rate });
    }
  } catch (error) {
    if (options.signal?.aborted) throw cancelled(file);
    // A stalled body is a broken one: the next attempt resumes it.
    if (stall.signal.aborted) throw new Interrupted(received, stall.signal.reason);
    if (error instanceof AppError) throw error;
    throw new Interrupted(received, error);
  } finally {
    clearTimeout(idle);
    await handle.close();
  }
  if (total !== null && start + received !== total) throw new Interrupted(received, new Error(`${start + received} of ${total} bytes`));
  return { received, sha256: hash.digest('hex') };
}

/** The first `bytes` of a resumed `.part`, into the hash before the rest arrives. */
async function hashPrefix(part: string, bytes: number, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(part, { start: 0, end: bytes - 1 })) hash.update(chunk as Buffer);
}

/** A GET that follows redirects itself, up to the limit, each within the headers timeout. */
async function request(
  { url, file, env }: DownloadOptions,
  headers: Record<string, string>,
  signal: AbortSignal,
  stall: AbortController,
  limits: DownloadLimits,
): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= limits.maxRedirects; hop++) {
    const response = await fetchWithin(current, { headers, redirect: 'manual', signal }, { ms: limits.headersTimeoutMs, stall, file, env });
    const location = response.headers.get('location');
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
    await response.body?.cancel();
    current = new URL(location, current).toString();
  }
  throw new AppError('failed', `Downloading ${file} from ${url}: more than ${limits.maxRedirects} redirects.`, {
    hint: 'The server or mirror is misconfigured; check CLUSTER_LAB_K3S_RELEASES.',
  });
}

/**
 * fetch through the environment's proxy for `url`, aborted with a timeout error when the headers take
 * longer than `ms`; cancellation stays cancellation. Errors name the proxy without its credentials.
 */
export async function fetchWithin(
  url: string,
  init: RequestInit & { signal: AbortSignal },
  { ms, stall, file, env }: { ms: number; stall: AbortController; file: string; env: NodeJS.ProcessEnv },
): Promise<Response> {
  const { dispatcher, proxy } = dispatcherFor(new URL(url), env);
  const via = proxy ? ` through the proxy ${proxy.shown} (${proxy.variable})` : '';
  const timer = setTimeout(
    () => stall.abort(new AppError('timeout', `${file}: ${new URL(url).host} did not answer${via} within ${ms / 1000} s.`)),
    ms,
  );
  try {
    return await fetch(url, { ...init, dispatcher });
  } catch (error) {
    if (stall.signal.aborted) throw stall.signal.reason;
    if (init.signal.aborted) throw cancelled(file);
    const detail = innermost(error);
    throw new AppError('failed', `Could not reach ${new URL(url).host}${via} for ${file}: ${detail}.`, {
      hint: proxy
        ? /\(407\)/.test(detail)
          ? `The proxy wants credentials: set ${proxy.variable} to http://USER:PASSWORD@HOST:PORT (percent-encode special characters).`
          : `Check the proxy in ${proxy.variable}, or exempt the host with NO_PROXY.`
        : 'Check the network. Behind a proxy, set HTTPS_PROXY (and HTTP_PROXY for http:// mirrors), or point CLUSTER_LAB_K3S_RELEASES at a mirror you can reach.',
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** fetch wraps what went wrong (`fetch failed`, then for a proxy's refusal `Request was cancelled.`): the last cause says it. */
function innermost(error: unknown): string {
  let current = error as Error;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function cancelled(file: string): AppError {
  return new AppError('cancelled', `The download of ${file} was cancelled.`, { hint: 'Fetch again to resume it where it stopped.' });
}

function tooBig(file: string, max: number): AppError {
  return new AppError('failed', `${file} is larger than the limit of ${max} bytes.`, {
    hint: 'Check CLUSTER_LAB_K3S_RELEASES: it should serve k3s release files.',
  });
}
