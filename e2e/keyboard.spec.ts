import type { Locator, Page } from '@playwright/test';
import path from 'node:path';
import { expect, test } from './fixtures/app';

test.use({ tools: 'fakes', extraEnv: { FAKE_VAGRANT_DELAY_MS: '5' } });

/** Tab (forward only, as someone without a mouse would) until `target` has the focus. */
async function tabTo(page: Page, target: Locator, limit = 120): Promise<void> {
  const handle = await target.elementHandle();
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((element) => document.activeElement === element, handle)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

async function typeInto(page: Page, field: Locator, text: string): Promise<void> {
  await tabTo(page, field);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}

test('the keyboard alone goes through the whole wizard: from the machine check to a lab that is up', async ({ appPage: page, labEnv }) => {
  const next = page.getByRole('button', { name: 'Next' });
  await tabTo(page, next);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Network', exact: true })).toBeVisible();
  // The NIC cards are one radio group: Space on the focused one chooses it.
  const nic = page.getByRole('radio').and(page.locator(':not([disabled])')).first();
  await tabTo(page, nic);
  await page.keyboard.press('Space');
  await expect(nic).toBeChecked();
  await expect(next).toBeEnabled();
  await tabTo(page, next);
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name: 'Addresses' })).toBeVisible();
  await tabTo(page, next);
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name: 'Lab', exact: true })).toBeVisible();
  await typeInto(page, page.getByLabel('Memory per VM (MB)'), '2048');
  await tabTo(page, next);
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name: 'Review and write' })).toBeVisible();
  const dir = path.join(labEnv.home, 'labs', 'keys');
  const folder = page.getByLabel('Lab folder');
  // The suggested folder lands a moment after the step opens; typing before it would be typed after it.
  await expect(folder).toHaveValue(path.join(labEnv.home, 'ClusterLab', 'cluster-lab'));
  await typeInto(page, folder, dir);
  await expect(folder).toHaveValue(dir);
  await tabTo(page, page.getByRole('button', { name: 'Write lab' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status', { name: 'Write report' })).toContainText('Wrote Vagrantfile');
  await tabTo(page, next);
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name: 'Run the lab' })).toBeVisible();
  await tabTo(page, page.getByRole('button', { name: 'Up', exact: true }));
  await page.keyboard.press('Space');
  await expect(page.getByLabel('Job', { exact: true })).toHaveAttribute('data-job-status', 'succeeded', { timeout: 30_000 });
  await expect(page.getByRole('table', { name: 'Nodes' }).locator('tr[data-machine="server"]')).toHaveAttribute('data-state', 'running');
});
