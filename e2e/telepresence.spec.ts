import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, screenshot, test, type LabEnv } from './fixtures/app';

/** Put `text` in the client config under the test's own XDG_CONFIG_HOME, then open the panel. */
async function openPanelWith(page: Page, labEnv: LabEnv, text: string) {
  const file = path.join(labEnv.configHome, 'telepresence', 'config.yml');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  await page.getByRole('button', { name: 'Telepresence' }).click();
  return { file, panel: page.getByRole('dialog', { name: 'Telepresence and the VIF recursion' }) };
}

test('the Telepresence panel writes routing.recursionBlockDuration into config.yml and shows it', async ({ appPage: page, labEnv }) => {
  const { file, panel } = await openPanelWith(page, labEnv, '# my settings\ntimeouts:\n  intercept: 10s # slow VPN\n');
  await expect(panel).toBeVisible();
  await expect(panel.getByRole('heading', { name: /Fix 1: a bridged lab/ })).toBeVisible();
  await expect(panel.getByRole('heading', { name: /Fix 2: the client setting/ })).toBeVisible();
  await expect(panel).toContainText('Telepresence 2.21 to 2.26');
  await expect(panel).toContainText('so do 2.27 and later, which replaced it');
  await expect(panel).toContainText('route-controller');
  const clientState = panel.getByLabel('Client setting state');
  await expect(clientState).toContainText(file);
  await expect(panel.getByTestId('recursion-block-value')).toHaveText('Not set');

  const duration = panel.getByLabel('Block duration');
  await expect(duration).toHaveValue('1ms');
  await duration.fill('fast');
  await expect(panel.getByText(/"fast" is not a Go duration/)).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Write to config.yml' })).toBeDisabled();
  // Past Go's int64 nanoseconds Telepresence could not read the file at all.
  await duration.fill('9999999999h');
  await expect(
    panel.getByText(/"9999999999h" is longer than Go \(and so Telepresence\) can hold: give at most 2562047h47m16\.854775807s/),
  ).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Write to config.yml' })).toBeDisabled();
  await duration.fill('1ms');
  await panel.getByRole('button', { name: 'Write to config.yml' }).click();

  await expect(panel.getByTestId('recursion-block-value')).toHaveText('Set 1ms');
  await expect(panel.getByRole('status').filter({ hasText: 'previous version is kept' })).toBeVisible();
  expect(await readFile(file, 'utf8')).toBe('# my settings\ntimeouts:\n  intercept: 10s # slow VPN\nrouting:\n  recursionBlockDuration: 1ms\n');
  await screenshot(page, 'telepresence-panel');

  await panel.getByRole('button', { name: 'Remove the setting' }).click();
  await expect(panel.getByTestId('recursion-block-value')).toHaveText('Not set');
  expect(await readFile(file, 'utf8')).toBe('# my settings\ntimeouts:\n  intercept: 10s # slow VPN\n');

  await panel.getByRole('button', { name: 'Close the Telepresence panel' }).click();
  await expect(panel).toBeHidden();
});

test('a config.yml that is not YAML is shown as unreadable and left alone', async ({ appPage: page, labEnv }) => {
  const { file, panel } = await openPanelWith(page, labEnv, 'routing: [\n');
  await expect(panel.getByTestId('recursion-block-value')).toHaveText('Unreadable');
  await expect(panel.getByRole('alert')).toContainText('not valid YAML at line');
  await expect(panel.getByRole('button', { name: 'Write to config.yml' })).toBeDisabled();
  await screenshot(page, 'telepresence-panel-invalid-yaml');
  expect(await readFile(file, 'utf8')).toBe('routing: [\n');
});

for (const client of [
  { version: '2.27.0', lead: /Fix 2: the route controller/, later: /Fix 3: the client setting/, fit: 'Works with your client Telepresence 2.27.0' },
  {
    version: '2.25.1',
    lead: /Fix 2: the client setting/,
    later: /Fix 3: the route controller/,
    fit: 'Needs 2.27 or later yours is 2.25.1: use the client setting',
  },
]) {
  test.describe(`with Telepresence ${client.version} installed`, () => {
    test.use({ tools: 'fakes', extraEnv: { FAKE_TELEPRESENCE_VERSION: client.version } });

    test('the panel leads with the fix that works for that client', async ({ appPage: page, labEnv }) => {
      const { panel } = await openPanelWith(page, labEnv, '');
      await expect(panel.getByLabel('Client setting state')).toContainText(client.version);
      const headings = panel.getByRole('heading', { level: 3 });
      await expect(headings).toHaveText([/Fix 1: a bridged lab/, client.lead, client.later]);
      await expect(panel.getByTestId('route-controller-fit')).toHaveText(client.fit);
      const write = panel.getByRole('button', { name: 'Write to config.yml' });
      const install = panel.getByRole('button', { name: 'Install route controller' });
      if (client.version.startsWith('2.27')) {
        // The setting this client ignores is offered, but not as the thing to do.
        await expect(panel.getByLabel('Client setting state')).toContainText('Ignored by this client');
        await expect(write).not.toHaveClass(/primary/);
        await expect(install).toHaveClass(/primary/);
        await expect(panel.getByRole('group', { name: 'route controller command' })).toHaveText(
          'cluster-lab telepresence --route-controller --dir DIR',
        );
        // No lab written yet: nothing to install into.
        await expect(install).toBeDisabled();
        await expect(panel.getByTestId('recursion-block-value')).toHaveText('Not set');
        await expect(panel.getByTestId('recursion-block-value').locator('.badge')).not.toHaveClass(/warn|ok/);
      } else {
        await expect(write).toHaveClass(/primary/);
        await expect(install).toHaveCount(0);
        await expect(panel.getByTestId('recursion-block-value').locator('.badge')).toHaveClass(/warn/);
      }
      // Down means "not connected now", not "safe": never the success colour.
      const vif = panel.getByLabel('Client setting state').locator('dd').last().locator('.badge');
      await expect(vif).not.toHaveClass(/\bok\b/);
      await screenshot(page, `telepresence-panel-${client.version.startsWith('2.27') ? '2.27' : '2.25'}`);
    });
  });
}
