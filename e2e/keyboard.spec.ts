import type { Locator, Page } from '@playwright/test';
import path from 'node:path';
import { accessibilityProblems, expect, test } from './fixtures/app';

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

/** axe-core in both colour schemes on the screen as it is now: nothing serious or moderate. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await accessibilityProblems(page), `axe-core on ${screen} (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Enter on Next: the new step's heading has the focus, the live region says which step it is, and so does the title. */
async function nextStep(page: Page, number: number, step: string, heading: string): Promise<void> {
  await tabTo(page, page.getByRole('button', { name: 'Next' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: heading, exact: true })).toBeFocused();
  await expect(page.locator('#announcer')).toHaveText(`Step ${number} of 6: ${step}`);
  await expect(page).toHaveTitle(`${step} · Cluster Lab`);
}

test('the keyboard alone goes through the whole wizard: focus on each step, each step announced, to a lab that is up', async ({
  appPage: page,
  labEnv,
}) => {
  // A whole Up, and axe-core twice (light and dark) on the Run step.
  test.setTimeout(240_000);
  await expect(page).toHaveTitle('Check machine · Cluster Lab');
  // The first Tab reaches the skip link; Enter on it lands on the step's heading.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the Check machine step' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: 'Check this machine' })).toBeFocused();
  await expect(page.getByRole('status').filter({ hasText: /problem|warning|ready for the lab/ })).toBeVisible();

  await nextStep(page, 2, 'Network', 'Network');
  // The NIC cards are one radio group: Space on the focused one chooses it.
  const nic = page.getByRole('radio').and(page.locator(':not([disabled])')).first();
  await tabTo(page, nic);
  await page.keyboard.press('Space');
  await expect(nic).toBeChecked();

  await nextStep(page, 3, 'Addresses', 'Addresses');

  await nextStep(page, 4, 'Lab', 'Lab');
  await typeInto(page, page.getByLabel('Memory per VM (MB)'), '2048');

  await nextStep(page, 5, 'Review', 'Review and write');
  const dir = path.join(labEnv.home, 'labs', 'keys');
  const folder = page.getByLabel('Lab folder');
  // The suggested folder lands a moment after the step opens; typing before it would be typed after it.
  await expect(folder).toHaveValue(path.join(labEnv.home, 'ClusterLab', 'cluster-lab'));
  await typeInto(page, folder, dir);
  await expect(folder).toHaveValue(dir);
  await tabTo(page, page.getByRole('button', { name: 'Write lab' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status', { name: 'Write report' })).toContainText('Wrote Vagrantfile');

  await nextStep(page, 6, 'Run', 'Run the lab');
  await tabTo(page, page.getByRole('button', { name: 'Up', exact: true }));
  await page.keyboard.press('Space');
  // The pressed button is disabled while the job runs: the focus goes to the job, not to <body>.
  const job = page.getByLabel('Job', { exact: true });
  await expect(job.getByRole('heading', { name: /^Up/ })).toBeFocused();
  await expect(job).toHaveAttribute('data-job-status', 'succeeded', { timeout: 60_000 });
  await expect(page.locator('#announcer')).toHaveText('Up succeeded.');
  await expect(page).toHaveTitle('Up: succeeded · Run · Cluster Lab');
  await expect(page.getByRole('table', { name: 'Nodes' }).locator('tr[data-machine="server"]')).toHaveAttribute('data-state', 'running');
  // The other screens are held to axe-core where their specs take their screenshots.
  await expectAccessible(page, 'Run, after Up');

  // Copy says what it copied, on the button and to a screen reader.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const copyExport = page.getByRole('button', { name: 'Copy the export KUBECONFIG line' });
  await tabTo(page, copyExport);
  await page.keyboard.press('Enter');
  await expect(copyExport).toHaveText('Copied');
  await expect(page.locator('#announcer')).toHaveText('Copied the export KUBECONFIG line.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`export KUBECONFIG=${path.join(dir, 'kubeconfig.yaml')}`);
  for (const what of ['kubeconfig path', 'hosts line', 'Docker insecure-registries snippet', 'docker push example'])
    await expect(page.getByRole('button', { name: `Copy the ${what}`, exact: true })).toBeVisible();

  // Each confirmation takes the focus on its safe answer, keeps Tab inside, and Escape gives the focus back.
  for (const { opener, dialog, safe, other } of [
    { opener: 'Destroy…', dialog: 'Confirm destroy', safe: 'Keep them', other: /^Destroy \d+ VMs$/ },
    { opener: 'Merge into my kubeconfig', dialog: 'Confirm the merge', safe: 'Not now', other: 'Merge now' },
  ]) {
    const button = page.getByRole('button', { name: opener });
    await tabTo(page, button);
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('alertdialog', { name: dialog });
    await expect(confirm.getByRole('button', { name: safe })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(confirm.getByRole('button', { name: other })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(confirm.getByRole('button', { name: safe })).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(confirm.getByRole('button', { name: other })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(confirm).toHaveCount(0);
    await expect(button).toBeFocused();
  }
  await expect(page.getByRole('table', { name: 'Nodes' }).locator('tr[data-machine="server"]')).toHaveAttribute('data-state', 'running');
});

test('the Run step with no lab folder yet has nothing axe-core calls serious or moderate', async ({ appPage: page }) => {
  await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Run/ }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Run the lab' })).toBeFocused();
  await expect(page.getByText('No lab folder yet')).toBeVisible();
  await expectAccessible(page, 'the empty Run step');
});
