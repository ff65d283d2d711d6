import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/fixtures/chromium';
import { findElectronBinary } from './e2e/fixtures/electron';

const electron = findElectronBinary();
if (!electron && process.env.TEST_WORKER_INDEX === undefined)
  console.log('Electron e2e skipped: no Electron binary on this machine (node_modules/electron has not downloaded one).');

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/playwright',
  fullyParallel: false,
  workers: 2,
  // CI tries a failed test once more: a timing fluke on a loaded 2-core machine should not sink a run,
  // and .ci/summary.mjs names every test that needed the second try, so none is hidden.
  retries: process.env.CI ? 1 : 0,
  // The long flows (Up, Down, Destroy on the stand-ins) take a screenshot at each step, each held to
  // axe-core in two colour schemes: about 1.5 minutes alone, past 2 on a loaded 2-core machine. A
  // ceiling, not a speed target: those live in npm run bench.
  timeout: 300_000,
  // An expectation waits on the app, never measures it: on a loaded 2-core CI machine, Ruby's start
  // (vagrant --version) or a plan from systeminformation can take seconds. Speed lives in npm run bench.
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: { viewport: { width: 1180, height: 820 }, trace: 'retain-on-failure' },
  projects: [
    {
      name: 'browser',
      use: {
        browserName: 'chromium',
        launchOptions: chromiumLaunchOptions,
      },
    },
    ...(electron ? [{ name: 'electron' }] : []),
  ],
});
