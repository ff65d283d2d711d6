import os from 'node:os';
import type { Page } from '@playwright/test';
import { expect, screenshot, test } from './fixtures/app';

/** This machine's first non-internal IPv4 interface: the one the Network step must list and preselect. */
function lanInterface(): { name: string; address: string } {
  for (const [name, addresses] of Object.entries(os.networkInterfaces()))
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.')) return { name, address: a.address };
  throw new Error('this machine has no LAN interface with an IPv4 address');
}

async function openNetworkStep(page: Page) {
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Network', exact: true })).toBeVisible();
}

test.describe('with VirtualBox (the fake VBoxManage) on PATH', () => {
  test.use({ tools: 'fakes' });

  test('lists the real NICs, plans on the default one, and the Addresses form names the bad field', async ({ appPage: page }) => {
    const lan = lanInterface();
    await openNetworkStep(page);
    const nics = page.getByRole('radiogroup', { name: 'Network interfaces' });
    const card = nics.locator(`[data-nic="${lan.name}"]`);
    await expect(card).toContainText(lan.address);
    await expect(card).toContainText('reported by VirtualBox');
    const radio = page.getByRole('radio', { name: new RegExp(`^${lan.name}\\b`) });
    // The default NIC is preselected and its plan fetched: Next opens once network.nic is set.
    await expect(radio).toBeChecked();
    await expect(page.getByRole('button', { name: 'Next' })).toBeEnabled();

    await expect(nics.locator('[data-nic="lo"]')).toHaveCount(0);
    await page.getByLabel(/Show all interfaces/).check();
    await expect(nics.locator('[data-nic="lo"]')).toContainText('Loopback: it never leaves this computer');
    await expect(page.getByRole('radio', { name: /^lo\b/ })).toBeDisabled();
    await expect(page.getByRole('complementary', { name: 'Why a bridged network?' })).toContainText('VIF');
    await screenshot(page, 'network-step');

    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('heading', { name: 'Addresses' })).toBeVisible();
    const prefix = lan.address.split('.').slice(0, 3).join('.');
    const serverIp = page.getByLabel('Server IP', { exact: true });
    await expect(serverIp).toHaveValue(new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.\\d+$`));
    await expect(page.getByLabel('Network')).toContainText('Usable range');

    await serverIp.fill('10.254.254.254');
    const error = page.locator('[data-path="server.ip"] .field-error');
    await expect(error).toContainText('Server IP 10.254.254.254 is outside');
    await expect(error).toContainText('use an address from');
    await expect(serverIp).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('button', { name: 'Next' })).toBeDisabled();
    await expect(page.getByRole('status').filter({ hasText: 'needs attention' })).toBeVisible();
    await screenshot(page, 'addresses-step-error');

    await serverIp.fill(`${prefix}.200`);
    await expect(error).toHaveCount(0);
    await page.getByRole('button', { name: 'Add agent' }).click();
    await expect(page.getByLabel('Agent 3 name')).toHaveValue('agent3');
    await page.getByLabel('Agent 3 name').fill('worker');
    await expect(page.getByLabel('Hosts file line')).toContainText(`${prefix}.200  cluster-lab-server`);
    await expect(page.getByLabel('Hosts file line')).toContainText('Not in /etc/hosts yet');
    await expect(page.getByRole('button', { name: 'Next' })).toBeEnabled();
    await screenshot(page, 'addresses-step');

    // DNS on the host itself is allowed but warned about: the seed's point is external resolvers.
    await page.getByLabel('DNS servers', { exact: true }).selectOption('custom');
    await page.getByLabel('Custom DNS servers').fill(`${lan.address}, 9.9.9.9`);
    await expect(page.getByRole('status', { name: 'Warnings' })).toContainText(`DNS server ${lan.address} is this computer`);
    await page.getByLabel('Custom DNS servers').fill('1.1.1.1, 300.1.1.1');
    await expect(page.locator('.field-error').filter({ hasText: 'DNS server must be an IPv4 address' })).toBeVisible();
    await page.getByLabel('Custom DNS servers').fill(`${lan.address}, 9.9.9.9`);
    await screenshot(page, 'addresses-step-warning');
    await page.getByLabel('DNS servers', { exact: true }).selectOption('quad9');
    await expect(page.getByRole('status', { name: 'Warnings' })).toHaveCount(0);

    await page.getByRole('button', { name: 'Reset to suggestion' }).click();
    await expect(serverIp).not.toHaveValue(`${prefix}.200`);
    await expect(page.getByLabel('Agent 3 name')).toHaveValue('worker');

    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Lab/ })).toHaveAttribute('aria-current', 'step');
  });
});

test('without VirtualBox the bridge name is marked as a guess', async ({ appPage: page }) => {
  const lan = lanInterface();
  await openNetworkStep(page);
  const card = page.locator(`[data-nic="${lan.name}"]`);
  await expect(card).toContainText('best guess');
  await expect(page.getByText('VirtualBox not found: bridge names are best guesses')).toBeVisible();
  await screenshot(page, 'network-step-no-virtualbox');
});
