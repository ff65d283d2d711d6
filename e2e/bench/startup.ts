/** Start-up: navigation to the first screen taking input, cold, in Debian Chromium; and the bundle's size. */
import type { Browser } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../fixtures/host';
import { median, round } from './figures';

export interface StartupFigures {
  msToInteractive: number;
  bundleBytes: number;
  bundleGzipBytes: number;
}

export async function benchStartup(browser: Browser, url: string, runs = 5): Promise<StartupFigures> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    // A new context has an empty cache: every run is a cold start.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    // The first screen: Check this machine, or Your labs once a lab exists (the log stream's has).
    await page.locator('main [data-step-heading]').waitFor();
    const mark = await page.evaluate(() => performance.getEntriesByName('wizard-interactive')[0]?.startTime ?? null);
    if (mark === null) throw new Error('the app did not mark wizard-interactive');
    times.push(mark);
    await context.close();
  }
  const assets = path.join(repoRoot, 'out/renderer/assets');
  const files = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f));
  let bundleBytes = 0;
  let bundleGzipBytes = 0;
  for (const file of files) {
    const bytes = readFileSync(path.join(assets, file));
    bundleBytes += bytes.length;
    bundleGzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { msToInteractive: round(median(times)), bundleBytes, bundleGzipBytes };
}
