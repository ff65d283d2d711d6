/**
 * Browser mode's credential, in a real browser: the token reaches only the host that printed it.
 * Cookies ignore ports (RFC 6265 §8.5), so a token in one would go to every server on 127.0.0.1
 * the browser visits, and a second host's cookie would replace the first's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from '@playwright/test';
import { expect, screenshot, test } from './fixtures/app';
import { startBrowserHost, stopBrowserHost } from './fixtures/host';

test.beforeEach(() => test.skip(test.info().project.name !== 'browser', 'browser mode only'));

type Host = Awaited<ReturnType<typeof startBrowserHost>>;

const tokenOf = (host: Host) => new URL(host.url).hash.replace('#token=', '');

/** The first screen answered: host.facts went over the WebSocket and came back. */
async function expectConnected(page: Page): Promise<void> {
  await expect(page.getByLabel('Host facts')).toContainText('CPUs');
}

test.describe('browser mode keeps its token to itself', () => {
  const hosts: Host[] = [];
  let context: BrowserContext | null = null;

  test.afterEach(async () => {
    await context?.close();
    context = null;
    for (const host of hosts.splice(0)) await stopBrowserHost(host.child);
  });

  test('two hosts on two ports in one browser both keep working, across reloads, with the token gone from the address bar', async ({
    lazyBrowser,
    labEnv,
  }) => {
    hosts.push(await startBrowserHost(labEnv.env), await startBrowserHost(labEnv.env));
    context = await (await lazyBrowser.get()).newContext();
    const pages = [await context.newPage(), await context.newPage()];
    for (const [i, page] of pages.entries()) {
      await page.goto(hosts[i]!.url);
      await expectConnected(page);
    }
    for (const page of pages) {
      expect(page.url()).not.toContain('token');
      await page.reload();
      await expectConnected(page);
    }
    expect(await context.cookies()).toEqual([]);
  });

  test('a server on another port of 127.0.0.1, visited by the same browser, never receives the token', async ({ lazyBrowser, labEnv }) => {
    const host = await startBrowserHost(labEnv.env);
    hosts.push(host);
    const seen: string[] = [];
    const foreign = http.createServer((req, res) => {
      seen.push(JSON.stringify({ url: req.url, headers: req.headers }));
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>another local app</title><img src="/pixel.png">');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    try {
      const port = (foreign.address() as AddressInfo).port;
      context = await (await lazyBrowser.get()).newContext();
      const page = await context.newPage();
      await page.goto(host.url);
      await expectConnected(page);
      const other = await context.newPage();
      for (const name of ['127.0.0.1', 'localhost']) await other.goto(`http://${name}:${port}/`, { waitUntil: 'load' });
      // And from the app's own tab, as a link the user followed.
      await page.goto(`http://127.0.0.1:${port}/from-the-app`);
      expect(seen.length).toBeGreaterThanOrEqual(3);
      for (const request of seen) expect(request).not.toContain(tokenOf(host));
      expect(seen.filter((request) => request.includes('"cookie"'))).toEqual([]);
    } finally {
      await new Promise((resolve) => foreign.close(resolve));
    }
  });

  test('a page opened without the token says where to get it', async ({ lazyBrowser, labEnv, viewport }) => {
    const host = await startBrowserHost(labEnv.env);
    hosts.push(host);
    context = await (await lazyBrowser.get()).newContext({ viewport });
    const page = await context.newPage();
    await page.goto(new URL('/', host.url).href);
    await expect(page.getByText('This page has no access token for Cluster Lab.').first()).toBeVisible();
    await screenshot(page, 'browser-mode-no-token');
  });
});
