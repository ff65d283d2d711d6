/**
 * Issue 23 item 6 and the GUI side of item 3: the Run step says when the draft is not the folder's
 * lab (and Up waits for a choice), Next on Review writes, and a folder holding something else is
 * written only after the person says so.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { writeLab } from '../electron/services/labFolder';
import { shellQuote } from '../shared/render/escape';
import { seedLab } from '../shared/render/testing';
import { expect, screenshot, test } from './fixtures/app';

test.use({ tools: 'fakes' });

const labJson = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8')) as ReturnType<typeof seedLab>;
const stepButton = (page: Page, name: RegExp) => page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name });

/** Through the wizard as a person goes, to Review with its folder set to `dir` and its preview in. */
async function reviewWithFolder(page: Page, home: string, dir: string): Promise<void> {
  const next = page.getByRole('button', { name: 'Next' });
  for (const step of ['Network', 'Addresses', 'Lab']) {
    await expect(next).toBeEnabled();
    await next.click();
    await expect(page.getByRole('heading', { name: step, exact: true })).toBeVisible();
  }
  await next.click();
  await expect(page.getByRole('heading', { name: 'Review and write', exact: true })).toBeVisible();
  const folder = page.getByLabel('Lab folder');
  // The suggestion first, then the person's folder (fill would append to a suggestion landing mid-way).
  await expect(folder).toHaveValue(/ClusterLab/);
  await folder.fill(dir);
  await expect(page.getByRole('tablist', { name: 'Files' }).getByRole('tab', { name: /Vagrantfile/ })).toBeVisible();
}

test('Next on Review writes the lab and opens Run on it; a folder it cannot write keeps Review, the reason focused', async ({
  appPage: page,
  labEnv,
}) => {
  const dir = path.join(labEnv.home, 'labs', 'by-next');
  await reviewWithFolder(page, labEnv.home, dir);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Run the lab', exact: true })).toBeVisible();
  await expect(page.getByText(`Lab ${seedLab().name} in`)).toContainText(dir);
  expect((await labJson(dir)).vm.memoryMb).toBe(4096);

  await stepButton(page, /Review$/).click();
  const notAFolder = path.join(labEnv.home, 'a-file');
  await writeFile(notAFolder, 'mine');
  await page.getByLabel('Lab folder').fill(notAFolder);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The lab was not written' })).toContainText('is a file, not a folder');
  await expect(page.locator(':focus')).toContainText('The lab was not written');
  await expect(page.getByRole('heading', { name: 'Review and write', exact: true })).toBeVisible();
  expect(await readFile(notAFolder, 'utf8')).toBe('mine');
});

test('Run says when the draft is not the lab in the folder; Write and run writes it, Run the folder as it is takes the folder', async ({
  appPage: page,
  labEnv,
}) => {
  const dir = path.join(labEnv.home, 'labs', 'drafted');
  await reviewWithFolder(page, labEnv.home, dir);
  await page.getByRole('button', { name: 'Write lab' }).click();
  await expect(page.getByRole('status', { name: 'Write report' })).toContainText(dir);

  // Memory changed after writing: Run must not boot the old size as if it were the one on screen.
  await stepButton(page, /Lab$/).click();
  await page.getByLabel('Memory per VM (MB)').fill('2048');
  await stepButton(page, /Run$/).click();
  const differs = page.getByRole('region', { name: 'Your draft is not the lab in this folder' });
  await expect(differs).toContainText('Memory: folder 4096 MB, draft 2048 MB');
  await expect(page.getByRole('button', { name: 'Up', exact: true })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Provision', exact: true })).toBeDisabled();
  await screenshot(page, 'run-draft-differs');
  await differs.getByRole('button', { name: 'Write and run' }).click();
  await expect(differs).toHaveCount(0);
  expect((await labJson(dir)).vm.memoryMb).toBe(2048);
  await expect(page.getByRole('button', { name: 'Up', exact: true })).toBeFocused();
  const runStep = page.getByRole('region', { name: 'Run the lab' });
  await expect(runStep.locator('p', { hasText: 'Wrote your draft to' })).toContainText(`${dir}: Up and Provision run it now.`);

  await stepButton(page, /Lab$/).click();
  await page.getByLabel('Memory per VM (MB)').fill('3072');
  await page.getByLabel('vCPUs per VM').fill('3');
  await stepButton(page, /Run$/).click();
  await expect(differs).toContainText('Memory: folder 2048 MB, draft 3072 MB');
  await expect(differs).toContainText('CPUs: folder 2, draft 3');
  await differs.getByRole('button', { name: 'Run the folder as it is' }).click();
  await expect(differs).toHaveCount(0);
  // Setting the draft aside says so, and can be undone.
  const setAside = runStep.locator('p', { hasText: 'Your draft was set aside' });
  await setAside.getByRole('button', { name: 'Undo: bring my draft back' }).click();
  await expect(differs).toContainText('Memory: folder 2048 MB, draft 3072 MB');
  await differs.getByRole('button', { name: 'Run the folder as it is' }).click();
  await expect(setAside).toBeVisible();
  await screenshot(page, 'run-draft-set-aside');
  await expect(page.getByRole('button', { name: 'Up', exact: true })).toBeEnabled();
  expect((await labJson(dir)).vm).toMatchObject({ memoryMb: 2048, cpus: 2 });
  await stepButton(page, /Lab$/).click();
  await expect(page.getByLabel('Memory per VM (MB)')).toHaveValue('2048');
  await expect(page.getByLabel('vCPUs per VM')).toHaveValue('2');
});

test('writing into a folder that holds another lab asks first: Choose another folder writes nothing, Write into it anyway writes', async ({
  appPage: page,
  labEnv,
}) => {
  const dir = path.join(labEnv.home, 'labs', 'taken');
  await writeLab(dir, { ...seedLab(), name: 'other-lab' });
  const before = await readFile(path.join(dir, 'lab.json'), 'utf8');
  await reviewWithFolder(page, labEnv.home, dir);
  const write = page.getByRole('button', { name: /Write lab|Write again/ });
  await write.click();
  const dialog = page.getByRole('alertdialog', { name: 'This folder holds something else' });
  await expect(dialog).toContainText(`${dir} holds the lab "other-lab"`);
  await expect(dialog.getByRole('button', { name: 'Choose another folder' })).toBeFocused();
  await screenshot(page, 'review-takeover', { whole: false });
  await dialog.getByRole('button', { name: 'Choose another folder' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByLabel('Lab folder')).toBeFocused();
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await readFile(path.join(dir, 'lab.json'), 'utf8')).toBe(before);

  await write.click();
  await dialog.getByRole('button', { name: 'Write into it anyway' }).click();
  await expect(page.getByRole('status', { name: 'Write report' })).toContainText('Wrote');
  expect((await labJson(dir)).name).toBe(seedLab().name);
});

test('a write that would orphan a VM is refused in a dialog that names the VM and the command that destroys it', async ({
  appPage: page,
  labEnv,
}) => {
  const dir = path.join(labEnv.home, 'labs', 'with-vms');
  await reviewWithFolder(page, labEnv.home, dir);
  await page.getByRole('button', { name: 'Write lab' }).click();
  await expect(page.getByRole('status', { name: 'Write report' })).toContainText(dir);
  const machines = path.join(dir, '.vagrant', 'machines', 'agent2', 'virtualbox');
  await mkdir(machines, { recursive: true });
  await writeFile(path.join(machines, 'id'), 'vbox-uuid');
  const before = await readFile(path.join(dir, 'lab.json'), 'utf8');

  await stepButton(page, /Addresses$/).click();
  await page.getByRole('button', { name: 'Remove agent agent2' }).click();
  await stepButton(page, /Review$/).click();
  await page.getByRole('button', { name: /Write lab|Write again/ }).click();
  const dialog = page.getByRole('alertdialog', { name: 'VMs still exist' });
  await expect(dialog).toContainText('The VM agent2 still exists: nothing was written.');
  await expect(dialog.getByRole('group', { name: 'destroy command' })).toHaveText(`cd ${shellQuote(dir)} && vagrant destroy -f agent2`);
  await screenshot(page, 'review-vms-exist', { whole: false });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The lab was not written' })).toContainText('agent2');
  expect(await readFile(path.join(dir, 'lab.json'), 'utf8')).toBe(before);
});
