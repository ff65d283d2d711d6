import { expect, screenshot, test } from './fixtures/app';

test('the first screen shows this machine and its real tool versions', async ({ appPage: page }) => {
  await expect(page.getByRole('heading', { name: 'Check this machine' })).toBeVisible();
  const tools = page.getByRole('table', { name: 'Tools' });
  // vagrant and kubectl are installed here (CI installs vagrant); VBoxManage is not.
  await expect(tools.locator('tr[data-tool="vagrant"]')).toContainText(/Found.*2\.\d+\.\d+/);
  await expect(tools.locator('tr[data-tool="kubectl"]')).toContainText(/Found.*1\.\d+\.\d+/);
  await expect(tools.locator('tr[data-tool="VBoxManage"]')).toContainText('Missing');
  await expect(tools.locator('tr[data-tool="VBoxManage"]')).toContainText('virtualbox.org');
  await expect(page.getByLabel('Host facts')).toContainText('CPUs');
  const checks = page.getByRole('list', { name: 'Preflight checks' });
  await expect(checks.locator('li[data-check="tool-vboxmanage"]')).toContainText(/Must fix.*VirtualBox is not installed.*virtualbox\.org/);
  await expect(checks.locator('li[data-check="tool-vagrant"]')).toContainText(/OK.*Vagrant 2\.\d+\.\d+/);
  // The wizard's default plan (3 VMs x 4096 MB) is checked against this machine's memory and disk.
  await expect(checks.locator('li[data-check="memory"]')).toContainText('3 VMs × 4096 MB');
  await expect(checks.locator('li[data-check="disk"]')).toContainText('GiB free');
  // The test's own HOME: an empty k3s cache, and the default lab follows a channel not resolved yet.
  await expect(checks.locator('li[data-check="k3s-cache"]')).toContainText(/OK.*The k3s cache .*cluster-lab\/k3s is empty/);
  await expect(page.getByRole('status').filter({ hasText: /problem.* to fix before the lab can run/ })).toBeVisible();
  await screenshot(page, 'check-machine');
});

test.describe('with no tools on PATH', () => {
  test.use({ tools: 'empty' });
  test('every required tool is reported missing with how to get it', async ({ appPage: page }) => {
    const tools = page.getByRole('table', { name: 'Tools' });
    for (const tool of ['vagrant', 'VBoxManage', 'kubectl']) await expect(tools.locator(`tr[data-tool="${tool}"]`)).toContainText('Missing');
    await expect(tools.locator('tr[data-tool="telepresence"]')).toContainText('Not installed');
    await screenshot(page, 'check-machine-empty-path');
  });
});

test('the wizard keeps answers across steps and shows what each step will hold', async ({ appPage: page }) => {
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Network/ })).toHaveAttribute(
    'aria-current',
    'step',
  );
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByRole('heading', { name: 'Check this machine' })).toBeVisible();
});
