/**
 * The page when its host goes away: the step that cannot load says so, with one way back, instead
 * of a blank window. Each test starts its own host, so it can stop it.
 */
import type { ConsoleMessage, Page } from '@playwright/test';
import { expect, screenshot, test } from './fixtures/app';
import { startBrowserHost } from './fixtures/host';

test.use({ tools: 'fakes' });

const sizes = [
  { width: 900, height: 600 },
  { width: 1280, height: 800 },
];

test('loading the page logs no error: no CSP directive the browser ignores', async ({ appPage: page }, testInfo) => {
  test.skip(testInfo.project.name === 'electron', 'browser mode: the host serves the page');
  const errors: string[] = [];
  const collect = (message: ConsoleMessage) => void (message.type() === 'error' && errors.push(message.text()));
  page.on('console', collect);
  await page.reload();
  await expect(page.getByRole('heading', { level: 2, name: 'Check this machine' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /problem|warning|ready for the lab/ })).toBeVisible();
  page.off('console', collect);
  expect(errors).toEqual([]);
});

test('when the browser-mode host stops, Next shows what happened and a Reload, not a blank page', async ({ browser, labEnv }, testInfo) => {
  test.skip(testInfo.project.name === 'electron', 'browser mode: the host is a process this test can stop');
  const host = await startBrowserHost(labEnv.env);
  const context = await browser.newContext({ viewport: sizes[0] });
  const page: Page = await context.newPage();
  try {
    await page.goto(host.url);
    await expect(page.getByRole('heading', { level: 2, name: 'Check this machine' })).toBeVisible();
    const exited = new Promise((resolve) => host.child.once('exit', resolve));
    host.child.kill('SIGTERM');
    await exited;
    // Said at once, before any click, on whatever screen is up.
    const lost = page.getByRole('alert').filter({ hasText: 'What this page shows may be out of date.' });
    await expect(lost).toContainText('Lost the connection to Cluster Lab.');
    await expect(lost.getByRole('button', { name: 'Reload' })).toBeVisible();

    // The Network step's code was never loaded: with the host gone it cannot be.
    await page.getByRole('button', { name: 'Next' }).click();
    const boundary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'Cluster Lab lost its connection' }) });
    await expect(boundary).toBeVisible();
    await expect(boundary).toContainText('the Cluster Lab host (npm run web) stopped or restarted');
    await expect(boundary.getByRole('button', { name: 'Reload Cluster Lab' })).toBeVisible();
    // The frame stays: the step bar, Back and the heading with the focus.
    await expect(page.getByRole('navigation', { name: 'Wizard steps' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Back' })).toBeEnabled();
    await expect(page.getByRole('heading', { name: 'Cluster Lab lost its connection' })).toBeFocused();
    for (const size of sizes) {
      await page.setViewportSize(size);
      await screenshot(page, `error-boundary-${size.width}x${size.height}`, { whole: false });
    }
    // Back to a step that is loaded works as before.
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Check this machine' })).toBeVisible();
  } finally {
    await context.close();
    if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGTERM');
  }
});
