/**
 * The log stream, end to end: the fake vagrant pours N lines through the real job runner, the
 * browser-mode transport and the real LogView; against it, the same child read by a bare Node
 * reader. Integrity is checked against the child's own bytes.
 */
import type { Browser, Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fakeBinDir } from '../fixtures/host';
import { round } from './figures';

export interface LogStreamFigures {
  lines: number;
  /** Click to the first line in the view: the job's start-up (tools, lock, spawn). */
  msToFirstLine: number;
  msToLastLine: number;
  rawMs: number;
  ratio: number;
  lostInView: number;
  lostInFile: number;
  longestTaskMs: number;
  rendererHeapMB: number;
  mainRssMB: number;
}

/** `vagrant provision server` of the fake, read and discarded by a bare Node parent: the pipe's own speed, and the bytes it wrote. */
async function rawRead(dir: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; bytes: number; lines: number; sha: string }> {
  const start = performance.now();
  const child = spawn(path.join(fakeBinDir, 'vagrant'), ['provision', 'server'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  let bytes = 0;
  let lines = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    chunks.push(chunk);
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  });
  await new Promise((resolve) => child.on('close', resolve));
  const ms = performance.now() - start;
  return { ms, bytes, lines, sha: linesDigest(Buffer.concat(chunks)) };
}

/**
 * The lines of an output in sorted order, hashed: children that run side by side interleave their
 * lines in the file, so the file holds every line of each, whole, but not in one order.
 */
function linesDigest(text: Buffer): string {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, start)) {
    lines.push(text.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.subarray(start));
  lines.sort(Buffer.compare);
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line);
  return hash.digest('hex');
}

/** The job's log file less Cluster Lab's own `[cluster-lab]` lines: what the child wrote, byte for byte. */
async function childBytesInLog(dir: string): Promise<{ sha: string; lines: number; allLines: number }> {
  const logs = (await readdir(path.join(dir, 'logs'))).filter((f) => f.includes('-provision-')).sort();
  const text = await readFile(path.join(dir, 'logs', logs.at(-1)!));
  const kept: Buffer[] = [];
  let allLines = 0;
  let start = 0;
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, start)) {
    const line = text.subarray(start, i + 1);
    allLines++;
    if (!line.subarray(0, 14).equals(Buffer.from('[cluster-lab] '))) kept.push(line);
    start = i + 1;
  }
  const child = Buffer.concat(kept);
  let lines = 0;
  for (let i = child.indexOf(10); i !== -1; i = child.indexOf(10, i + 1)) lines++;
  return { sha: linesDigest(child), lines, allLines };
}

/**
 * Waits for the job to end, or for its start to be refused (the bridge preflight, the lab's lock):
 * whichever the page shows first. Anything but success throws at once, in the page's own words.
 */
async function jobSucceeded(page: Page): Promise<void> {
  await page.locator('[aria-label="Job"]:not([data-job-status="running"]), .banner.error[role="alert"]').first().waitFor({ timeout: 600_000 });
  const job = page.locator('[aria-label="Job"]');
  const status = (await job.count()) ? await job.getAttribute('data-job-status') : null;
  if (status === 'succeeded') return;
  const why = (await page.locator('.banner.error[role="alert"]').allInnerTexts()).join('\n').trim();
  throw new Error(`The benchmark's Provision ${status ?? 'was refused'}: ${why || 'the page gives no reason'}`);
}

/** What the page keeps while it is measured: the longest task, and each write into the terminal as [time, last seq]. */
interface BenchState {
  longest: number;
  start: number;
  writes: [number, number][];
}

function rssMB(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => round(Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024));
}

export async function benchLogStream(
  browser: Browser,
  url: string,
  hostPid: number,
  dir: string,
  env: NodeJS.ProcessEnv,
  lines: number,
): Promise<LogStreamFigures> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Run/ }).click();
  await page.getByLabel('Open an existing lab folder').fill(dir);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.getByRole('table', { name: 'Nodes' }).locator('tr[data-machine="server"]').waitFor();
  // A fresh page's draft is the wizard's own lab, not this one: Run says so and holds Provision back
  // until told to run the folder as it is.
  const provision = page.getByRole('button', { name: 'Provision', exact: true });
  const runFolder = page.getByRole('button', { name: 'Run the folder as it is' });
  await runFolder
    .or(page.locator('button:not([disabled])', { hasText: /^Provision$/ }))
    .first()
    .waitFor();
  if (await runFolder.isVisible()) await runFolder.click();

  // Watch, inside the page, for long tasks and for every line written into the terminal
  // (`data-written-seq`: the last line xterm has actually been given, not merely received).
  await page.evaluate(() => {
    const w = window as unknown as { bench: BenchState };
    w.bench = { longest: 0, start: 0, writes: [] };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if (w.bench.start && entry.startTime >= w.bench.start) w.bench.longest = Math.max(w.bench.longest, entry.duration);
    }).observe({ type: 'longtask', buffered: false });
    new MutationObserver((records) => {
      for (const record of records) {
        const seq = Number((record.target as Element).getAttribute('data-written-seq'));
        if (seq >= 0) w.bench.writes.push([performance.now(), seq]);
      }
    }).observe(document.body, { attributes: true, subtree: true, attributeFilter: ['data-written-seq'] });
  });
  await page.evaluate(() => ((window as unknown as { bench: { start: number } }).bench.start = performance.now()));
  await provision.click();
  await jobSucceeded(page);
  const fromFile = await childBytesInLog(dir);
  // The job is done; the view may still be taking its last batch.
  await page.waitForFunction(
    (total) => Number(document.querySelector('[data-line-count]')?.getAttribute('data-line-count')) >= total,
    fromFile.allLines,
    {
      timeout: 120_000,
    },
  );
  await page.waitForFunction(
    (last) => (window as unknown as { bench: BenchState }).bench.writes.some(([, seq]) => seq >= last),
    fromFile.allLines - 1,
    {
      timeout: 120_000,
    },
  );
  const inPage = await page.evaluate(() => {
    const w = window as unknown as { bench: BenchState };
    return { ...w.bench, count: Number(document.querySelector('[data-line-count]')!.getAttribute('data-line-count')) };
  });
  const firstWrite = inPage.writes[0]![0];
  const lastWrite = inPage.writes.find(([, seq]) => seq >= fromFile.allLines - 1)![0];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  const mainRssMB = await rssMB(hostPid);
  await page.close();

  const raw = await rawRead(dir, env);
  const msToLastLine = lastWrite - inPage.start;
  return {
    lines,
    msToFirstLine: round(firstWrite - inPage.start),
    msToLastLine: round(msToLastLine),
    rawMs: round(raw.ms),
    ratio: round(msToLastLine / raw.ms, 2),
    lostInView: Math.max(0, fromFile.allLines - inPage.count),
    lostInFile: raw.sha === fromFile.sha ? 0 : Math.max(1, raw.lines - fromFile.lines),
    longestTaskMs: round(inPage.longest),
    rendererHeapMB: round(heap.usedSize / 2 ** 20),
    mainRssMB,
  };
}
