import path from 'node:path';
import { writeLab } from '../electron/services/labFolder';
import { seedLab } from '../shared/render/testing';
import { expect, screenshot, test } from './fixtures/app';

test('Help shows the version, real documentation links, the CLI, and diagnostics with secrets taken out', async ({ appPage: page }) => {
  await page.getByRole('button', { name: 'Help' }).click();
  const help = page.getByRole('dialog', { name: 'Help and about Cluster Lab' });
  await expect(help).toBeVisible();
  await expect(help.getByTestId('about')).toContainText(/Cluster Lab \d+\.\d+\.\d+/);
  await expect(help.getByTestId('about')).toContainText('browser mode');
  const k3s = help.getByRole('link', { name: 'k3s documentation' });
  await expect(k3s).toHaveAttribute('href', 'https://docs.k3s.io/');
  await expect(k3s).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(help.getByRole('group', { name: 'CLI help command' })).toHaveText('cluster-lab --help');

  await help.getByRole('button', { name: 'Collect diagnostics' }).click();
  const diagnostics = help.getByRole('group', { name: 'diagnostics' });
  await expect(diagnostics).toContainText(/^Cluster Lab \d+\.\d+\.\d+\nNode /);
  await expect(diagnostics).toContainText('Doctor (cluster-lab doctor --json):');
  await expect(help.getByRole('button', { name: 'Copy the diagnostics' })).toBeVisible();
  await screenshot(page, 'help-dialog');

  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await expect(page.getByRole('button', { name: 'Help' })).toBeFocused();
});

test('notifications are asked for only on "Notify me when jobs end", never on load', async ({ appPage: page }) => {
  // The permission prompt and the notifications themselves, recorded: Chromium headless shows neither.
  await page.evaluate(() => {
    const w = window as unknown as { asked: number; shown: { title: string; body: string }[]; permission: NotificationPermission };
    w.asked = 0;
    w.shown = [];
    w.permission = 'default';
    class Recorded {
      static get permission() {
        return w.permission;
      }
      static requestPermission() {
        w.asked += 1;
        w.permission = 'granted';
        return Promise.resolve(w.permission);
      }
      onclick: (() => void) | null = null;
      constructor(title: string, options: { body: string }) {
        w.shown.push({ title, body: options.body });
      }
      close() {}
    }
    Object.defineProperty(window, 'Notification', { value: Recorded });
  });
  await page.getByRole('button', { name: 'Help' }).click();
  const help = page.getByRole('dialog', { name: 'Help and about Cluster Lab' });
  const notify = help.getByRole('button', { name: 'Notify me when jobs end' });
  await expect(notify).toHaveAttribute('aria-pressed', 'false');
  expect(await page.evaluate(() => (window as unknown as { asked: number }).asked)).toBe(0);
  await notify.click();
  await expect(notify).toHaveAttribute('aria-pressed', 'true');
  await expect(help.getByTestId('notify-state')).toContainText('On: when a job ends');
  expect(await page.evaluate(() => (window as unknown as { asked: number }).asked)).toBe(1);
  await screenshot(page, 'help-notifications-on');
});

test.describe('with the fake vagrant', () => {
  test.use({ tools: 'fakes' });

  test('a job that ends while the page is in the background notifies naming the lab; the click opens the Run step', async ({
    appPage: page,
    labEnv,
  }) => {
    const dir = path.join(labEnv.home, 'labs', 'demo');
    await writeLab(dir, seedLab());
    await page.evaluate(() => {
      const w = window as unknown as { shown: { title: string; body: string; onclick: (() => void) | null }[] };
      w.shown = [];
      class Recorded {
        static permission = 'granted';
        onclick: (() => void) | null = null;
        constructor(
          readonly title: string,
          options: { body: string },
        ) {
          Object.assign(this, { body: options.body });
          w.shown.push(this as unknown as (typeof w.shown)[number]);
        }
        close() {}
      }
      Object.defineProperty(window, 'Notification', { value: Recorded });
      // The person turned it on earlier (Help), and is in another window now.
      localStorage.setItem('cluster-lab.notify', 'on');
      document.hasFocus = () => false;
    });
    await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Run/ }).click();
    await page.getByLabel('Open an existing lab folder').fill(dir);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByText('The same from a terminal').click();
    await expect(page.getByRole('group', { name: 'Up command' })).toHaveText(`cluster-lab up --dir ${dir}`);
    await expect(page.getByRole('group', { name: 'Check lab command' })).toHaveText(`cluster-lab check --dir ${dir}`);

    await page.getByRole('button', { name: 'Down', exact: true }).click();
    await page
      .getByRole('navigation', { name: 'Wizard steps' })
      .getByRole('button', { name: /Check machine/ })
      .click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { shown: unknown[] }).shown.length), { timeout: 30_000 }).toBe(1);
    const shown = await page.evaluate(() => (window as unknown as { shown: { title: string; body: string }[] }).shown[0]);
    expect(shown).toEqual(expect.objectContaining({ title: 'Down succeeded: demo', body: `Down succeeded.\n${dir}` }));
    await page.evaluate(() => (window as unknown as { shown: { onclick: () => void }[] }).shown[0]!.onclick());
    await expect(page.getByRole('heading', { name: 'Run the lab' })).toBeVisible();
  });
});
