import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, screenshot, test } from './fixtures/app';

test.use({ tools: 'fakes' });

test('Network → Addresses → Lab → Review: the preview follows the answers, Write puts the lab on disk, a hand edit is kept', async ({
  appPage: page,
  labEnv,
}) => {
  const next = page.getByRole('button', { name: 'Next' });
  await next.click();
  await expect(page.getByRole('heading', { name: 'Network', exact: true })).toBeVisible();
  // The default NIC is preselected and planned on; Next opens when the plan is in.
  await expect(next).toBeEnabled();
  await next.click();
  await expect(page.getByRole('heading', { name: 'Addresses' })).toBeVisible();
  const serverIp = await page.getByLabel('Server IP', { exact: true }).inputValue();
  await next.click();

  await expect(page.getByRole('heading', { name: 'Lab', exact: true })).toBeVisible();
  const memory = page.getByLabel('Memory per VM (MB)');
  await expect(memory).toHaveValue('4096');
  await memory.fill('lots');
  await expect(page.locator('.field-error').filter({ hasText: 'Memory per VM (MB) must be a whole number of MB' })).toBeVisible();
  await expect(next).toBeDisabled();
  await memory.fill('512');
  await expect(page.locator('[data-path="vm.memoryMb"] .field-error')).toContainText('Memory must be at least 1024 MB');
  await memory.fill('262144');
  const fit = page.getByRole('status', { name: 'Host fit' });
  await expect(fit).toContainText('This lab may not fit this computer');
  await expect(fit).toContainText('The 3 VMs need 768.0 GiB together');
  await screenshot(page, 'lab-step-too-big');
  await memory.fill('3072');
  await expect(page.getByText('The 3 VMs need 768.0 GiB together')).toHaveCount(0);
  await page.getByLabel('vCPUs per VM').fill('1');
  await page.getByLabel('Pin a version').check();
  await page.getByLabel('k3s version').fill('v1.33');
  await expect(page.locator('[data-path="k3s.value"] .field-error')).toContainText('k3s version must be a release such as v1.33.5+k3s1');
  await page.getByLabel('k3s version').fill('v1.33.5+k3s1');
  await expect(page.getByLabel('Host size')).toContainText('The lab asks for 9.0 GiB and 3 vCPUs');
  await screenshot(page, 'lab-step');
  await next.click();

  await expect(page.getByRole('heading', { name: 'Review and write' })).toBeVisible();
  const folder = page.getByLabel('Lab folder');
  await expect(folder).toHaveValue(path.join(labEnv.home, 'ClusterLab', 'cluster-lab'));
  const vagrantfile = page.getByLabel('Vagrantfile as it will be written');
  await expect(vagrantfile).toContainText('vb.memory = 3072');
  await expect(vagrantfile).toContainText("export INSTALL_K3S_VERSION='v1.33.5+k3s1'");
  await expect(vagrantfile).toContainText(`lab_node(config, 'server', 'cluster-lab-server', '${serverIp}', SERVER_SCRIPT`);
  // Highlighted, yet the text is the file's own: a token is a span, never markup from the file.
  await expect(vagrantfile.locator('.tok-comment').first()).toContainText('# -*- mode: ruby -*-');
  const tabs = page.getByRole('tablist', { name: 'Files' });
  await expect(tabs.getByRole('tab', { name: /Vagrantfile/ })).toContainText('new');
  await tabs.getByRole('tab', { name: /registry\.yaml/ }).click();
  await expect(page.getByLabel('registry.yaml as it will be written')).toContainText('kind: Deployment');
  await expect(page.getByLabel('registry.yaml as it will be written')).toContainText('kubernetes.io/hostname: cluster-lab-server');
  await tabs.getByRole('tab', { name: /Vagrantfile/ }).click();

  const dir = path.join(labEnv.home, 'labs', 'e2e lab');
  await folder.fill(dir);
  await page.getByRole('button', { name: 'Write lab' }).click();
  const report = page.getByRole('status', { name: 'Write report' });
  await expect(report).toContainText('Wrote Vagrantfile, registry.yaml, lab.json');
  await expect(report).toContainText(dir);
  const onDisk = await readFile(path.join(dir, 'Vagrantfile'), 'utf8');
  expect(onDisk).toContain('vb.memory = 3072');
  expect(JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8'))).toMatchObject({ vm: { memoryMb: 3072, cpus: 1 } });
  expect(await readFile(path.join(dir, 'registry.yaml'), 'utf8')).toContain('apiVersion: apps/v1');
  await expect(tabs.getByRole('tab', { name: /Vagrantfile/ })).toContainText('unchanged');

  // A change on an earlier step shows up here as a diff against the folder.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByLabel('Memory per VM (MB)').fill('2048');
  await next.click();
  await expect(tabs.getByRole('tab', { name: /Vagrantfile/ })).toContainText('will change');
  await page.getByLabel('Show changes against the folder').check();
  const changes = page.getByLabel('Changes to Vagrantfile');
  await expect(changes.locator('[data-diff="removed"]')).toContainText(['vb.memory = 3072']);
  await expect(changes.locator('[data-diff="added"]')).toContainText(['vb.memory = 2048']);
  await screenshot(page, 'review-step-changes');

  // The user edits the Vagrantfile by hand: the Review step says so, and Write keeps their copy.
  await writeFile(path.join(dir, 'Vagrantfile'), `${onDisk}# my tweak\n`);
  await page.getByRole('button', { name: 'Back' }).click();
  await next.click();
  await expect(page.getByRole('status', { name: 'Your edits' })).toContainText('You edited Vagrantfile since Cluster Lab wrote it');
  await expect(tabs.getByRole('tab', { name: /Vagrantfile/ })).toContainText('edited by you');
  await screenshot(page, 'review-step-user-edit');
  await page.getByRole('button', { name: 'Write lab' }).click();
  await expect(report).toContainText(/Your edited Vagrantfile is kept as Vagrantfile\.user-/);
  const keptAs = (await report.locator('.mono').first().textContent())!;
  expect(await readFile(path.join(dir, keptAs), 'utf8')).toContain('# my tweak');
  expect(await readFile(path.join(dir, 'Vagrantfile'), 'utf8')).toContain('vb.memory = 2048');
  await page.getByLabel('Show changes against the folder').uncheck();
  await screenshot(page, 'review-step');
});

test('a double click on Next moves one step: from Lab to Review, never past it to Run', async ({ appPage: page }) => {
  const next = page.getByRole('button', { name: 'Next' });
  for (const step of ['Network', 'Addresses', 'Lab']) {
    await expect(next).toBeEnabled();
    await next.click();
    await expect(page.getByRole('heading', { name: step, exact: true })).toBeVisible();
  }
  await expect(next).toBeEnabled();
  await next.dblclick();
  await expect(page.getByRole('heading', { name: 'Review and write', exact: true })).toBeVisible();
  // Review's own Next is enabled at once: a second click that got through would have opened Run by now.
  await expect(next).toBeEnabled();
  await expect(page.getByRole('heading', { name: 'Run the lab', exact: true })).toHaveCount(0);
});

test('a lab folder that is not a full path is refused inline, naming the field', async ({ appPage: page, labEnv }) => {
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Lab', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Next' }).click();
  const folder = page.getByLabel('Lab folder');
  // Typed only once the suggestion is in, as a person would: fill selects the text, then inserts,
  // and a suggestion landing between the two would leave the text appended to a full path.
  await expect(folder).toHaveValue(path.join(labEnv.home, 'ClusterLab', 'cluster-lab'));
  await folder.fill('labs/relative');
  await expect(folder).toHaveValue('labs/relative');
  await expect(page.locator('.field-error').filter({ hasText: 'Give a full path such as' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Write lab' })).toBeDisabled();
});

test('the server is named after the lab and follows a rename, until it is given a name of its own', async ({ appPage: page }) => {
  const next = page.getByRole('button', { name: 'Next' });
  const back = page.getByRole('button', { name: 'Back' });
  for (const step of ['Network', 'Addresses', 'Lab']) {
    await expect(next).toBeEnabled();
    await next.click();
    await expect(page.getByRole('heading', { name: step, exact: true })).toBeVisible();
  }
  // A space typed at the end is not part of the name (the schema trims it), so not of the server's either.
  await page.getByLabel('Lab name').fill('demo ');
  await back.click();
  const serverName = page.getByLabel('Server name', { exact: true });
  await expect(serverName).toHaveValue('demo-server');
  await serverName.fill('k3s-main');
  await next.click();
  await page.getByLabel('Lab name').fill('demo-two');
  await back.click();
  await expect(serverName).toHaveValue('k3s-main');
});
