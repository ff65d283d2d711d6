import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { writeLab } from '../electron/services/labFolder';
import { seedLab } from '../shared/render/testing';
import { expect, repoRoot, screenshot, test } from './fixtures/app';
import { startBrowserHost, stopBrowserHost } from './fixtures/host';
import { seedBridgeEnv } from '../fixtures/env';
import { listenRelease, standInRelease } from '../fixtures/k3sRelease';

/** A lab folder written the way the Review step and `cluster-lab render` write it, opened from the Run step. */
async function openLabInRunStep(page: Page, home: string): Promise<string> {
  const dir = path.join(home, 'labs', 'demo');
  await writeLab(dir, seedLab());
  // A finished wizard draft, so the step bar lets us straight through to Run.
  await page.evaluate(
    (draft) =>
      sessionStorage.setItem(
        'cluster-lab.ui.v1',
        JSON.stringify({ schemaVersion: 1, draft, dir: '', writtenDir: null, opened: null, screen: 'check', savedAt: Date.now() }),
      ),
    seedLab(),
  );
  await page.reload();
  await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Run/ }).click();
  await expect(page.getByRole('heading', { name: 'Run the lab' })).toBeVisible();
  await page.getByLabel('Open an existing lab folder').fill(dir);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByText('Lab cluster-lab in')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Nodes' }).locator('tr[data-machine="server"]')).toHaveAttribute('data-state', 'not_created');
  return dir;
}

const lineCount = (page: Page) => page.locator('[data-line-count]').getAttribute('data-line-count').then(Number);

test.describe('with the fake vagrant and kubectl', () => {
  test.use({ tools: 'fakes', extraEnv: { FAKE_VAGRANT_DELAY_MS: '40' } });

  test('Up streams the log, survives a reload, ends with nodes running and Ready; Down stops them', async ({ appPage: page, labEnv }) => {
    const dir = await openLabInRunStep(page, labEnv.home);
    await screenshot(page, 'run-opened');
    const nodes = page.getByRole('table', { name: 'Nodes' });
    const job = page.getByLabel('Job', { exact: true });

    await page.getByRole('button', { name: 'Up', exact: true }).click();
    await expect(job).toHaveAttribute('data-job-status', 'running');
    await expect(page.getByRole('region', { name: 'Job log' })).toContainText('Booting VM');
    await expect.poll(() => lineCount(page)).toBeGreaterThan(10);
    await expect(page.getByRole('button', { name: 'Down', exact: true })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Cancel job' })).toBeEnabled();
    await screenshot(page, 'run-up-running');

    // A reload in browser mode reattaches to the running job and its log.
    const before = await lineCount(page);
    await page.reload();
    await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Run/ }).click();
    await expect(job).toHaveAttribute('data-job-status', /running|succeeded/);
    await expect.poll(() => lineCount(page)).toBeGreaterThanOrEqual(before);

    await expect(job).toHaveAttribute('data-job-status', 'succeeded', { timeout: 30_000 });
    for (const machine of ['server', 'agent1', 'agent2']) {
      await expect(nodes.locator(`tr[data-machine="${machine}"]`)).toHaveAttribute('data-state', 'running');
      await expect(nodes.locator(`tr[data-machine="${machine}"]`)).toHaveAttribute('data-ready', 'true');
      // Up's last step checked each node from inside: loop-proof.
      await expect(nodes.locator(`tr[data-machine="${machine}"] td[data-verdict]`)).toHaveAttribute('data-verdict', 'Loop-proof');
    }
    // Check lab asks every node again: a new check, with its own time, and the same verdicts.
    const checkedAt = nodes.getByRole('columnheader', { name: /Loop check/ }).locator('time');
    const upChecked = (await checkedAt.getAttribute('datetime'))!;
    await page.getByRole('button', { name: 'Check lab' }).click();
    await expect(checkedAt).not.toHaveAttribute('datetime', upChecked);
    await expect(page.getByRole('button', { name: 'Check lab' })).toBeEnabled();
    await expect(nodes.locator('td[data-verdict="Loop-proof"]')).toHaveCount(3);
    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    await expect(page.getByLabel('export KUBECONFIG line', { exact: true })).toHaveText(`export KUBECONFIG=${kubeconfig}`);
    await expect(page.getByLabel('Docker insecure-registries snippet', { exact: true })).toContainText('"multi:5000"');
    await expect(page.getByLabel('Hosts file line')).toContainText('192.168.1.110');
    const finalCount = await lineCount(page);
    const [logName] = await readdir(path.join(dir, 'logs'));
    const logLines = (await readFile(path.join(dir, 'logs', logName!), 'utf8')).split('\n').filter((l) => l !== '');
    expect(finalCount).toBe(logLines.length);
    await screenshot(page, 'run-up-done');

    await page.getByRole('button', { name: 'Merge into my kubeconfig' }).click();
    await expect(page.getByRole('alertdialog', { name: 'Confirm the merge' })).toContainText('Your current context stays as it is');
    await screenshot(page, 'run-confirm-merge');
    await page.getByRole('button', { name: 'Merge now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Added context' })).toContainText(labEnv.env.KUBECONFIG!);
    expect(await readFile(labEnv.env.KUBECONFIG!, 'utf8')).toContain('https://192.168.1.110:6443');
    await screenshot(page, 'run-after-up-merged');

    await page.getByRole('button', { name: 'Destroy…' }).click();
    await expect(page.getByRole('alertdialog', { name: 'Confirm destroy' })).toContainText('server, agent1, agent2');
    await screenshot(page, 'run-confirm-destroy');
    await page.getByRole('button', { name: 'Keep them' }).click();

    // Telepresence's route controller into this lab, as a job with its log.
    await page.getByRole('button', { name: 'Install route controller' }).click();
    await expect(job).toContainText('Route controller');
    await expect(job).toHaveAttribute('data-job-status', 'succeeded', { timeout: 30_000 });
    await expect(page.getByRole('region', { name: 'Job log' })).toContainText('DaemonSet route-controller: 3/3 pods ready, one per node.');
    await screenshot(page, 'run-route-controller');

    await page.getByRole('button', { name: 'Down', exact: true }).click();
    // The route controller's job shows succeeded too: the status counts only once Down is the job shown.
    await expect(job).toContainText('Down');
    await expect(job).toHaveAttribute('data-job-status', 'succeeded', { timeout: 30_000 });
    for (const machine of ['server', 'agent1', 'agent2'])
      await expect(nodes.locator(`tr[data-machine="${machine}"]`)).toHaveAttribute('data-state', 'poweroff');
    await expect(page.getByLabel('export KUBECONFIG line', { exact: true })).toHaveCount(0);
    // The check spoke for running machines: after Down no node is called loop-proof any more.
    await expect(nodes.locator('td[data-verdict="Loop-proof"]')).toHaveCount(0);
    await expect(nodes.locator('td[data-verdict="Stale"]')).toHaveCount(3);
    await expect(nodes.locator('tr[data-machine="server"] td[data-verdict]')).toContainText('server stopped after the check');
    await screenshot(page, 'run-down');

    // Destroy, then the offer to take the lab's context out of the user's kubeconfig: only its own entries go.
    await page.getByRole('button', { name: 'Destroy…' }).click();
    await page.getByRole('button', { name: 'Destroy 3 VMs' }).click();
    await expect(job).toContainText('Destroy');
    await expect(job).toHaveAttribute('data-job-status', 'succeeded', { timeout: 30_000 });
    await expect(nodes.locator('tr[data-machine="agent1"] td[data-verdict="Stale"]')).toContainText('agent1 destroyed after the check');
    await page.getByRole('button', { name: 'Remove this lab from my kubeconfig' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Removed' })).toContainText(labEnv.env.KUBECONFIG!);
    expect(await readFile(labEnv.env.KUBECONFIG!, 'utf8')).not.toContain('https://192.168.1.110:6443');
    await screenshot(page, 'run-destroyed-kubeconfig-removed');
  });
});

test.describe('with agents that boot when the test says so', () => {
  // The fake vagrant holds each machine's boot until the file .gate/NAME exists in the lab folder.
  test.use({ tools: 'fakes', extraEnv: { FAKE_VAGRANT_DELAY_MS: '5', FAKE_VAGRANT_GATE: '.gate' } });

  test('Up brings the agents up side by side, and the step list and node table show each one', async ({ appPage: page, labEnv }) => {
    const dir = await openLabInRunStep(page, labEnv.home);
    const gate = path.join(dir, '.gate');
    await mkdir(gate);
    await writeFile(path.join(gate, 'server'), '');
    await page.getByRole('button', { name: 'Up', exact: true }).click();
    const agents = page.getByRole('list', { name: 'Machines of “vagrant up the agents, side by side”' });
    await expect(agents.locator('li[data-machine="agent1"]')).toHaveAttribute('data-status', 'running');
    await expect(agents.locator('li[data-machine="agent2"]')).toHaveAttribute('data-status', 'running');
    const nodes = page.getByRole('table', { name: 'Nodes' });
    await expect(nodes.locator('tr[data-machine="agent1"] .node-activity')).toHaveText('Up: running');
    await expect(nodes.locator('tr[data-machine="agent2"] .node-activity')).toHaveText('Up: running');
    await screenshot(page, 'run-up-agents-side-by-side');
    await Promise.all(['agent1', 'agent2'].map((agent) => writeFile(path.join(gate, agent), '')));
    await expect(page.getByLabel('Job', { exact: true })).toHaveAttribute('data-job-status', 'succeeded', { timeout: 30_000 });
    await expect(agents.locator('li[data-status="succeeded"]')).toHaveCount(2);
  });
});

test.describe('while Up fetches the k3s release', () => {
  test.use({ tools: 'fakes', extraEnv: { FAKE_VAGRANT_DELAY_MS: '5' } });

  test('the step shows the file, a bar, bytes, rate and time left, and the bar goes when the download is done', async ({ labEnv, lazyBrowser }) => {
    // A release server of this test's own, whose image archive stops half-way until the test lets it go on.
    let letGo = () => {};
    const until = new Promise<void>((resolve) => (letGo = resolve));
    const images = 'k3s-airgap-images-amd64.tar.zst';
    const served = await listenRelease(standInRelease({ images: Buffer.alloc(8 * 1024 * 1024, 7) }), { hold: { file: images, until } });
    const host = await startBrowserHost({ ...labEnv.env, ...served.env });
    const context = await (await lazyBrowser.get()).newContext();
    try {
      const page = await context.newPage();
      await page.goto(host.url);
      const dir = await openLabInRunStep(page, labEnv.home);
      await page.getByRole('button', { name: 'Up', exact: true }).click();
      const bar = page.getByRole('progressbar', { name: `Downloading ${images}` });
      await expect(bar).toBeVisible();
      await expect.poll(async () => Number(await bar.getAttribute('value'))).toBeGreaterThan(0);
      expect(Number(await bar.getAttribute('max'))).toBe(8 * 1024 * 1024);
      const caption = page.locator('[data-transfer]');
      await expect(caption).toHaveText(
        new RegExp(`^${images.replace(/\./g, '\\.')}: [\\d.]+ (B|KiB|MiB) of 8\\.0 MiB, ([\\d.]+ (B|KiB|MiB|GiB)/s(, \\d+ s left)?|stalled)$`),
      );
      // The server holds the rest back: after a few seconds without bytes the step says so, with no speed or time left it cannot know.
      await expect(caption).toHaveText(new RegExp(`^${images.replace(/\./g, '\\.')}: 4\\.0 MiB of 8\\.0 MiB, stalled$`));
      // A background tab's title says how far the download is.
      await expect(page).toHaveTitle('Up: 50% · Run · Cluster Lab');
      await screenshot(page, 'run-up-k3s-download');
      letGo();
      await expect(page.getByLabel('Job', { exact: true })).toHaveAttribute('data-job-status', 'succeeded', { timeout: 60_000 });
      await expect(bar).toHaveCount(0);
      // The log keeps the line the download ended with (the view shows only the last lines).
      const [log] = await readdir(path.join(dir, 'logs'));
      expect(await readFile(path.join(dir, 'logs', log!), 'utf8')).toContain(`${images}: 8.0 MiB of 8.0 MiB`);
    } finally {
      letGo();
      await context.close();
      await stopBrowserHost(host.child);
      served.close();
    }
  });
});

test.describe('mid-Up, on the window sizes people use', () => {
  test.use({ tools: 'fakes', extraEnv: { FAKE_VAGRANT_DELAY_MS: '5', FAKE_VAGRANT_GATE: '.gate' } });

  for (const size of [
    { width: 900, height: 600 },
    { width: 1280, height: 800 },
  ])
    test(`at ${size.width}×${size.height} the steps, the machines, the elapsed time and the log are in view without scrolling`, async ({
      appPage: page,
      labEnv,
    }) => {
      await page.setViewportSize(size);
      const dir = await openLabInRunStep(page, labEnv.home);
      // The server boots; the agents wait at the gate, so the job stays mid-Up while the test looks.
      await mkdir(path.join(dir, '.gate'));
      await writeFile(path.join(dir, '.gate', 'server'), '');
      await page.getByRole('button', { name: 'Up', exact: true }).click();
      const job = page.getByLabel('Job', { exact: true });
      const agents = page.getByRole('list', { name: 'Machines of “vagrant up the agents, side by side”' });
      await expect(agents.locator('li[data-machine="agent2"]')).toHaveAttribute('data-status', 'running');
      await expect(page.getByRole('region', { name: 'Job log' })).toContainText('agent1');
      await expect(job.locator('[data-elapsed]')).toHaveText(/^Running for \d+ s$/);
      await expect(page).toHaveTitle('Up: running · Run · Cluster Lab');

      const inView = async (what: string, box: { x: number; y: number; width: number; height: number } | null) => {
        expect(box, what).not.toBeNull();
        expect(box!.y, `${what}: top`).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, `${what}: right`).toBeLessThanOrEqual(size.width);
        expect(box!.y + box!.height, `${what}: bottom`).toBeLessThanOrEqual(size.height);
      };
      await screenshot(page, `run-up-mid-${size.width}x${size.height}`, { whole: false });
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      // Above the sticky Back/Next bar, which covers the bottom of the window.
      const bar = (await page.locator('.navbar').boundingBox())!;
      const visible = async (what: string, box: { x: number; y: number; width: number; height: number } | null) => {
        await inView(what, box);
        expect(box!.y + box!.height, `${what}: above the Back/Next bar`).toBeLessThanOrEqual(bar.y);
      };
      await visible('the elapsed time', await job.locator('[data-elapsed]').boundingBox());
      await visible('the steps', await page.getByRole('list', { name: 'Steps' }).boundingBox());
      await visible('the agents', await agents.boundingBox());
      const term = page.locator('.logview-term');
      await visible('the log', await term.boundingBox());
      expect((await term.boundingBox())!.height, 'the log shows more than a few lines').toBeGreaterThan(150);
      await visible('the log tools', await page.getByRole('button', { name: 'Pause' }).boundingBox());
      // One line of steps and one title, with room for them at the narrowest window the app allows.
      const stepButtons = page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button');
      const tops = new Set(await stepButtons.evaluateAll((buttons) => buttons.map((b) => Math.round(b.getBoundingClientRect().top))));
      expect(tops.size, 'the step bar is one line').toBe(1);
      const title = (await page.getByRole('heading', { level: 1, name: 'Cluster Lab' }).boundingBox())!;
      expect(title.height, 'the title is one line').toBeLessThan(30);

      await Promise.all(['agent1', 'agent2'].map((agent) => writeFile(path.join(dir, '.gate', agent), '')));
      await expect(job).toHaveAttribute('data-job-status', 'succeeded', { timeout: 30_000 });
      await expect(job.locator('[data-elapsed]')).toHaveText(/^Took \d+ (s|min \d+ s)$/);
    });
});

test.describe("when VirtualBox reports the lab's bridge as down", () => {
  test.use({ tools: 'fakes', extraEnv: seedBridgeEnv('Down') });

  test('Up is refused before Vagrant starts, naming the bridge and the ones VirtualBox offers', async ({ appPage: page, labEnv }) => {
    const dir = await openLabInRunStep(page, labEnv.home);
    await page.getByRole('button', { name: 'Up', exact: true }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('VirtualBox reports the lab\'s bridge "wlp5s0" as Down, and Vagrant skips such interfaces');
    await expect(alert).toContainText('Bridges VirtualBox offers now:');
    await expect(alert).toContainText('pick another interface in the Network step');
    await screenshot(page, 'run-up-refused-bridge-down');
    expect(await readdir(dir)).not.toContain('.vagrant');
  });
});

test.describe('when a machine fails to provision', () => {
  test.use({ tools: 'fakes', extraEnv: { FAKE_VAGRANT_DELAY_MS: '5', FAKE_VAGRANT_FAIL: 'agent1:provision' } });

  test('the failing Up names the machine and shows its last error lines', async ({ appPage: page, labEnv }) => {
    await openLabInRunStep(page, labEnv.home);
    await page.getByRole('button', { name: 'Up', exact: true }).click();
    const failure = page.getByRole('alert', { name: 'Job failure' });
    await expect(failure).toContainText('Failed on agent1', { timeout: 30_000 });
    await expect(failure).toContainText('vagrant up failed on agent1');
    await expect(failure.getByLabel('Last error lines')).toContainText("default routes are not the lab's");
    await expect(page.getByRole('list', { name: 'Steps' }).locator(':scope > li[data-status="failed"]')).toContainText('vagrant up the agents');
    // The other agent ran to its end beside it: its VM is up and usable, and the failure says so.
    await expect(failure).toContainText('agent2 came up.');
    await expect(page.getByRole('table', { name: 'Nodes' }).locator('tr[data-machine="agent2"]')).toHaveAttribute('data-state', 'running');
    await screenshot(page, 'run-up-failed');
  });
});

test.describe('when vagrant pours out 100,000 lines', () => {
  test.use({ tools: 'fakes', extraEnv: { FAKE_VAGRANT_DELAY_MS: '0', FAKE_VAGRANT_LINES: '100000' } });

  test('the view counts every line the log file has and shows the last ones', async ({ appPage: page, labEnv }) => {
    const dir = await openLabInRunStep(page, labEnv.home);
    await page.getByRole('button', { name: 'Up', exact: true }).click();
    await expect(page.getByLabel('Job', { exact: true })).toHaveAttribute('data-job-status', 'succeeded', { timeout: 45_000 });
    const [logName] = await readdir(path.join(dir, 'logs'));
    const fileLines = (await readFile(path.join(dir, 'logs', logName!), 'utf8')).split('\n').filter((l) => l !== '');
    expect(fileLines.filter((l) => l.includes('mirrored-pause:3.6 layer'))).toHaveLength(100_000);
    await expect.poll(() => lineCount(page)).toBe(fileLines.length);
    await expect(page.locator('[data-written-seq]')).toHaveAttribute('data-written-seq', String(fileLines.length - 1));
    await expect(page.getByRole('region', { name: 'Job log' })).toContainText('up finished.');
    // After the flood the scrollback is filled again from the job's tail: Save gives what the view holds.
    await expect
      .poll(
        async () => {
          const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save' }).click()]);
          return (await readFile((await download.path())!, 'utf8')).split('\n').length;
        },
        { intervals: [500, 1000, 2000] },
      )
      .toBeGreaterThan(4_900);
    await screenshot(page, 'run-flood');
  });
});

test.describe('while the CLI runs a job on the same lab', () => {
  // The server takes a minute to boot, so the CLI's job is still in Vagrant's hands when it is interrupted.
  test.use({ tools: 'fakes', extraEnv: { FAKE_VAGRANT_DELAY_MS: '20', FAKE_VAGRANT_MACHINE_MS: 'server=60000' } });

  test("the page shows the CLI's Up and its live log without a click, again after a reload; Up and Cancel say why not; its end, then it is a past job", async ({
    appPage: page,
    labEnv,
  }) => {
    const dir = await openLabInRunStep(page, labEnv.home);
    const cli = spawn(process.execPath, [path.join(repoRoot, 'electron/cli/bin.js'), 'up', '--dir', dir], {
      env: labEnv.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let cliOut = '';
    cli.stdout.on('data', (chunk: Buffer) => (cliOut += chunk.toString()));
    const job = page.getByLabel('Job', { exact: true });
    const log = page.getByRole('region', { name: 'Job log' });
    await expect(job).toHaveAttribute('data-job-status', 'running');
    await expect(job).toContainText(`Up — running from the CLI (pid ${cli.pid})`);
    await expect(log).toContainText("Bringing machine 'server' up");
    await expect(page.getByRole('button', { name: 'Up', exact: true })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Cancel job' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Cancel job' })).toHaveAttribute('title', /press Ctrl-C in its terminal/);
    await screenshot(page, 'run-cli-job');

    // A reload mid-Up shows it again at once, its log so far, then the lines as they come.
    await page.reload();
    await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Run/ }).click();
    await expect(job).toContainText(`Up — running from the CLI (pid ${cli.pid})`);
    await expect(log).toContainText("Bringing machine 'server' up");
    await expect(log).toContainText('Waiting for machine to boot');

    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    cli.kill('SIGINT');
    // 128 + SIGINT's number, once Vagrant has cleaned up.
    expect(await exited).toBe(130);
    expect(cliOut).toContain('Waiting for cleanup before exiting');
    await expect(job).toHaveAttribute('data-job-status', 'cancelled');
    await expect(page.getByRole('button', { name: 'Up', exact: true })).toBeEnabled();
    // Every line of the log file once: none lost across the reload, none twice.
    const [logName] = await readdir(path.join(dir, 'logs'));
    const logLines = (await readFile(path.join(dir, 'logs', logName!), 'utf8')).split('\n').filter((l) => l !== '');
    await expect.poll(() => lineCount(page)).toBe(logLines.length);

    await page.getByText('Past jobs').click();
    const pastRow = page.getByRole('row', { name: /Up/ });
    await expect(pastRow).toContainText('cancelled');
    await pastRow.getByRole('button', { name: /Open the log of Up/ }).click();
    await expect(page.getByRole('region', { name: 'Log of a past job' })).toContainText('up cancelled.');
    await screenshot(page, 'run-past-job');
  });
});
