/**
 * Labs you live with (issue 23): the home screen lists every lab with what runs on it, and the
 * wizard's draft, step and opened lab outlive a reload, a second tab and a restart of the host.
 * Machines boot behind a gate (FAKE_VAGRANT_GATE), so a job runs exactly as long as a test needs.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { writeLab } from '../electron/services/labFolder';
import { seedLab } from '../shared/render/testing';
import { expect, screenshot, test } from './fixtures/app';
import { startBrowserHost, stopBrowserHost } from './fixtures/host';

const stepBar = (page: Page) => page.getByRole('navigation', { name: 'Wizard steps' });
const stepHeading = (page: Page) => page.locator('main [data-step-heading]');
const labCard = (page: Page, dir: string) => page.locator(`li[data-lab-dir="${dir}"]`);

/** A lab in ~/ClusterLab, written as `cluster-lab render` writes it: the home screen finds it there. */
async function labInClusterLab(home: string, name: string, lastOctet: number): Promise<string> {
  const dir = path.join(home, 'ClusterLab', name);
  const seed = seedLab();
  const ip = (n: number) => `192.168.1.${n}`;
  await writeLab(dir, {
    ...seed,
    name,
    server: { ...seed.server, ip: ip(lastOctet) },
    agents: seed.agents.map((agent, i) => ({ ...agent, ip: ip(lastOctet + 1 + i) })),
  });
  return dir;
}

/** Lets every machine of the lab in `dir` finish booting. */
async function openGate(dir: string): Promise<void> {
  await mkdir(path.join(dir, '.gate'), { recursive: true });
  for (const machine of ['server', 'agent1', 'agent2']) await writeFile(path.join(dir, '.gate', machine), '');
}

/** The page's own URL with the token the host printed: what a person pastes into a second tab. */
async function urlWithToken(page: Page): Promise<string> {
  const token = await page.evaluate(() => sessionStorage.getItem('cluster-lab.token'));
  return `${new URL('/', page.url()).href}#token=${token}`;
}

test.describe('with the fake vagrant', () => {
  test.use({ tools: 'fakes', extraEnv: { FAKE_VAGRANT_DELAY_MS: '5', FAKE_VAGRANT_GATE: '.gate' } });

  test('the home screen lists every lab and the one that is busy; Open, a reload and a second tab land on its running job', async ({
    appPage: page,
    labEnv,
  }) => {
    const alpha = await labInClusterLab(labEnv.home, 'alpha', 110);
    const beta = await labInClusterLab(labEnv.home, 'beta', 120);
    // A page that starts without a step in its URL opens on the home screen once a lab exists.
    await page.goto(new URL('/', page.url()).href);
    await expect(stepHeading(page)).toHaveText('Your labs');
    expect(new URL(page.url()).searchParams.get('step')).toBe('home');
    const list = page.getByRole('list', { name: 'Labs' });
    await expect(list.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3 }) })).toHaveCount(2);
    await expect(labCard(page, alpha).getByRole('heading', { name: 'alpha' })).toBeVisible();
    await expect(labCard(page, beta).locator('[data-machine="server"]')).toHaveAttribute('data-state', 'not_created');
    await expect(page.getByRole('button', { name: 'Delete folder of alpha…' })).toBeEnabled();
    await screenshot(page, 'home-labs');
    // The smallest window the app allows keeps every action of a lab on screen.
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: 900, height: 600 });
    await screenshot(page, 'home-labs-900x600', { whole: false });
    // Nothing wider than the window less a classic vertical scrollbar (Playwright's headless Chromium
    // hides scrollbars): no horizontal scrollbar at 900 px where a desktop shows one.
    await page.setViewportSize({ width: 900 - 15, height: 600 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await page.setViewportSize(viewport);

    await page.getByRole('button', { name: 'Up alpha' }).click();
    await expect(labCard(page, alpha)).toHaveAttribute('data-busy', 'true');
    await expect(labCard(page, alpha).getByRole('status').filter({ hasText: 'Up running' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Up alpha' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Up beta' })).toBeEnabled();
    await expect(labCard(page, beta)).toHaveAttribute('data-busy', 'false');
    await screenshot(page, 'home-busy');

    await page.getByRole('button', { name: 'Open alpha' }).click();
    await expect(stepHeading(page)).toHaveText('Run the lab');
    const job = page.getByLabel('Job', { exact: true });
    await expect(job).toHaveAttribute('data-job-status', 'running');
    await expect(page.getByText('Lab alpha in')).toBeVisible();

    // A reload mid-Up stays on Run, with the job.
    await page.reload();
    await expect(stepHeading(page)).toHaveText('Run the lab');
    await expect(job).toHaveAttribute('data-job-status', 'running');
    await expect(page.getByText('Lab alpha in')).toBeVisible();

    // A second tab opens on the same lab and step.
    const second = await page.context().newPage();
    await second.goto(await urlWithToken(page));
    await expect(stepHeading(second)).toHaveText('Run the lab');
    await expect(second.getByText('Lab alpha in')).toBeVisible();
    await expect(second.getByLabel('Job', { exact: true })).toHaveAttribute('data-job-status', 'running');

    // Back returns to the home screen, Forward to Run.
    await page.goBack();
    await expect(stepHeading(page)).toHaveText('Your labs');
    await page.goForward();
    await expect(stepHeading(page)).toHaveText('Run the lab');

    await openGate(alpha);
    // A ceiling, not a wait: Up ends once its machines boot, which on a loaded 2-core machine took over 30 s.
    await expect(job).toHaveAttribute('data-job-status', 'succeeded', { timeout: 120_000 });
    await expect(second.getByLabel('Job', { exact: true })).toHaveAttribute('data-job-status', 'succeeded');
    await page.getByRole('button', { name: 'Your labs' }).click();
    await expect(labCard(page, alpha)).toHaveAttribute('data-busy', 'false');
    await expect(page.getByRole('button', { name: 'Up alpha' })).toBeEnabled();

    // Forget takes alpha out of the registry (opening it put it there); its ~/ClusterLab folder keeps it listed.
    await expect(labCard(page, alpha).getByText('found in ~/ClusterLab')).toHaveCount(0);
    await page.getByRole('button', { name: 'Forget alpha…' }).click();
    await expect(page.getByRole('alertdialog', { name: 'Confirm forget' })).toContainText('its VMs stay as they are');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Forget', exact: true }).click();
    await expect(labCard(page, alpha).getByText('found in ~/ClusterLab')).toBeVisible();
    // Beta never had VMs: its folder may go, after a question.
    await page.getByRole('button', { name: 'Delete folder of beta…' }).click();
    await expect(page.getByRole('alertdialog', { name: 'Confirm delete folder' })).toBeVisible();
    await screenshot(page, 'home-confirm-delete');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete folder' }).click();
    await expect(labCard(page, beta)).toHaveCount(0);
    await expect(labCard(page, alpha)).toBeVisible();
    await second.close();
  });

  test("a job this host runs is cancelled from its row, after a reload too, which then shows it as the lab's last job", async ({
    appPage: page,
    labEnv,
  }) => {
    const gamma = await labInClusterLab(labEnv.home, 'gamma', 130);
    await page.goto(new URL('/', page.url()).href);
    await expect(stepHeading(page)).toHaveText('Your labs');
    await expect(page.getByRole('button', { name: 'Cancel Up of gamma' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Up gamma' }).click();
    await expect(labCard(page, gamma)).toHaveAttribute('data-busy', 'true');
    // Once the server waits at the gate the job sends no more events: after a reload the page has
    // heard none of it, and only the list can say this host runs it.
    await expect.poll(() => existsSync(path.join(gamma, '.gate', 'server.booting'))).toBe(true);
    await page.reload();
    await expect(labCard(page, gamma)).toHaveAttribute('data-busy', 'true');
    await expect(page.getByRole('button', { name: 'Cancel Up of gamma' })).toBeVisible();
    await screenshot(page, 'home-cancel-after-reload');
    // The machines wait at the gate, which is never opened: only Cancel ends this Up.
    await page.getByRole('button', { name: 'Cancel Up of gamma' }).click();
    await expect(labCard(page, gamma)).toHaveAttribute('data-busy', 'false', { timeout: 60_000 });
    await expect(page.getByRole('button', { name: 'Cancel Up of gamma' })).toHaveCount(0);
    // The focus the gone button had is on the lab's name, where Tab reaches its actions next.
    await expect(labCard(page, gamma).getByRole('heading', { name: 'gamma' })).toBeFocused();
    const lastJob = labCard(page, gamma).locator('dt', { hasText: 'Last job' }).locator('xpath=following-sibling::dd');
    await expect(lastJob).toContainText('Up cancelled');
    await expect(page.getByRole('button', { name: 'Up gamma' })).toBeEnabled();
  });

  test('Back and Forward move between steps, and a double click on Next still moves one', async ({ appPage: page }) => {
    await expect(stepHeading(page)).toBeVisible();
    await stepBar(page)
      .getByRole('button', { name: /Network/ })
      .click();
    await expect(stepHeading(page)).toHaveText('Network');
    expect(new URL(page.url()).searchParams.get('step')).toBe('network');
    await page.goBack();
    await expect(stepHeading(page)).toHaveText('Check this machine');
    expect(new URL(page.url()).searchParams.get('step')).toBe('check');
    await page.goForward();
    await expect(stepHeading(page)).toHaveText('Network');
    const next = page.getByRole('button', { name: 'Next' });
    // Once the NIC is planned Next moves on; a double click then moves one step, one history entry.
    await expect(next).toBeEnabled();
    await next.dblclick();
    await expect(stepHeading(page)).toHaveText('Addresses');
    // Addresses' own Next is enabled at once: a second click that got through would have opened Lab by now.
    await expect(next).toBeEnabled();
    await expect(stepHeading(page)).toHaveText('Addresses');
    await page.goBack();
    await expect(stepHeading(page)).toHaveText('Network');
    expect(new URL(page.url()).searchParams.get('step')).toBe('network');
  });

  test('a restarted host (a new port, the same home) brings back the draft, the step and the opened lab', async ({
    appPage: page,
    labEnv,
    lazyBrowser,
  }) => {
    const alpha = await labInClusterLab(labEnv.home, 'alpha', 110);
    await page.reload();
    await stepBar(page).getByRole('button', { name: /Run/ }).click();
    await page.getByLabel('Open an existing lab folder').fill(alpha);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByText('Lab alpha in')).toBeVisible();
    await stepBar(page).getByRole('button', { name: /Lab/ }).click();
    await expect(stepHeading(page)).toHaveText('Lab');
    await page.getByLabel('Lab name').fill('gamma');
    const saved = path.join(labEnv.configHome, 'Cluster Lab', 'ui-state.json');
    await expect
      .poll(() =>
        readFile(saved, 'utf8').then(
          (text) => JSON.parse(text).draft.name,
          () => null,
        ),
      )
      .toBe('gamma');

    const host = await startBrowserHost(labEnv.env);
    const context = await (await lazyBrowser.get()).newContext();
    try {
      const again = await context.newPage();
      await again.goto(host.url);
      await expect(stepHeading(again)).toHaveText('Lab');
      await expect(again.getByLabel('Lab name')).toHaveValue('gamma');
      await stepBar(again).getByRole('button', { name: /Run/ }).click();
      await expect(again.getByText('Lab alpha in')).toBeVisible();
    } finally {
      await context.close();
      await stopBrowserHost(host.child);
    }
  });
});

test('with no lab yet the home screen says so, and New lab starts the wizard', async ({ appPage: page }) => {
  await expect(stepHeading(page)).toBeVisible();
  await page.getByRole('button', { name: 'Your labs' }).click();
  await expect(stepHeading(page)).toHaveText('Your labs');
  await expect(page.getByText('No labs yet')).toBeVisible();
  await screenshot(page, 'home-empty');
  await page.getByRole('button', { name: 'New lab' }).click();
  await expect(page).toHaveURL(/\?step=check$/);
  await expect(stepHeading(page)).not.toHaveText('Your labs');
});

test('New lab from this one: a name, folder and server of its own, and a typed address another lab uses is named', async ({
  appPage: page,
  labEnv,
}) => {
  const alpha = await labInClusterLab(labEnv.home, 'alpha', 110);
  await page.goto(new URL('/', page.url()).href);
  await expect(stepHeading(page)).toHaveText('Your labs');
  await page.getByRole('button', { name: 'New lab from alpha' }).click();
  await expect(stepHeading(page)).toHaveText('Addresses');
  await expect(page.getByLabel('Server name')).toHaveValue('alpha-2-server');
  // The plan (or the empty fields when alpha's NIC is not on this computer) never hands out alpha's addresses.
  for (const field of ['Server IP', 'Agent 1 IP', 'Agent 2 IP'])
    expect(['192.168.1.110', '192.168.1.111', '192.168.1.112']).not.toContain(await page.getByLabel(field).inputValue());
  const warnings = page.getByRole('status', { name: 'Warnings' });
  await expect(warnings.getByText("is used by lab 'alpha'")).toHaveCount(0);
  await page.getByLabel('Agent 1 IP').fill('192.168.1.111');
  await expect(warnings).toContainText(`192.168.1.111 is used by lab 'alpha' (${alpha})`);
  await screenshot(page, 'addresses-taken');
  // Free addresses of its own let the wizard go on to Review, where the folder is alpha-2, not alpha's.
  for (const [field, address] of [
    ['Server IP', '192.168.1.120'],
    ['Agent 1 IP', '192.168.1.121'],
    ['Agent 2 IP', '192.168.1.122'],
  ] as const)
    await page.getByLabel(field).fill(address);
  await expect(warnings.getByText("is used by lab 'alpha'")).toHaveCount(0);
  await stepBar(page)
    .getByRole('button', { name: /Review/ })
    .click();
  await expect(page.getByLabel('Lab folder')).toHaveValue(path.join(labEnv.home, 'ClusterLab', 'alpha-2'));
});
