import { defineConfig } from '@playwright/test';
import { findElectronBinary } from './e2e/fixtures/electron';

// Debian's Chromium: Playwright's own browser download cannot reach its host from here.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const electron = findElectronBinary();
if (!electron && process.env.TEST_WORKER_INDEX === undefined)
  console.log('Electron e2e skipped: no Electron binary on this machine (node_modules/electron has not downloaded one).');

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/playwright',
  fullyParallel: false,
  workers: 2,
  retries: 0,
  timeout: 60_000,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: { viewport: { width: 1180, height: 820 }, trace: 'retain-on-failure' },
  projects: [
    {
      name: 'browser',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: chromium,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
          ],
        },
      },
    },
    ...(electron ? [{ name: 'electron' }] : []),
  ],
});
