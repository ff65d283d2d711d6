/**
 * Browser mode's host (out/main/web.js, as `npm run web` runs it) dies with its jobs: SIGTERM or
 * SIGHUP (a closed terminal, a dropped SSH session) while agents boot side by side cancels the job as
 * Cancel does (Vagrant gets Ctrl-C first), and the host exits 128 + the signal's number only when
 * every process of the job is gone and the lab's lock is released.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { seedBridgeEnv } from '../fixtures/env';
import { markedProcesses, MARK_VARIABLE, newMark } from '../fixtures/marked';
import { seedLab } from '../shared/render/testing';
import { WIRE_PATH, WIRE_PROTOCOL, WIRE_TOKEN_PROTOCOL_PREFIX, type ServerFrame } from '../shared/wire';
import { LOCK_FILE } from '../electron/services/jobs';
import { writeLab } from '../electron/services/labFolder';
import { expect, test } from './fixtures/app';
import { fakeBinDir, startBrowserHost } from './fixtures/host';

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)
  test(`${signal} during the agents' boots cancels the job, and the host exits ${code} once every process of it is gone`, async ({ k3sSources }) => {
    test.skip(test.info().project.name !== 'browser' || process.platform !== 'linux', 'the browser host on Linux (/proc shows the processes)');
    const home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-e2e-signals-'));
    const mark = newMark();
    try {
      const dir = path.join(home, 'lab');
      const gate = path.join(home, 'gate');
      await writeLab(dir, seedLab());
      await mkdir(gate);
      await writeFile(path.join(gate, 'server'), '');
      const { url, child } = await startBrowserHost({
        ...process.env,
        HOME: home,
        PATH: `${fakeBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
        VAGRANT_CHECKPOINT_DISABLE: '1',
        KUBECONFIG: path.join(home, '.kube', 'config'),
        ...seedBridgeEnv(),
        // Up's first step fetches the lab's k3s release: from the loopback stand-in, never the internet.
        ...k3sSources,
        FAKE_VAGRANT_GATE: gate,
        [MARK_VARIABLE]: mark,
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal })),
      );
      // Up, started the way the page starts it: a call over the host's WebSocket.
      const { origin } = new URL(url);
      const token = /token=([\w-]+)/.exec(url)![1]!;
      const ws = new WebSocket(`${origin.replace('http', 'ws')}${WIRE_PATH}`, [WIRE_PROTOCOL, `${WIRE_TOKEN_PROTOCOL_PREFIX}${token}`], {
        headers: { origin },
      });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const started = new Promise<ServerFrame>((resolve) =>
        ws.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as ServerFrame;
          if (frame.kind === 'result' && frame.id === 1) resolve(frame);
        }),
      );
      ws.send(JSON.stringify({ kind: 'call', id: 1, name: 'job.start', args: { dir, kind: 'up' } }));
      expect(await started).toMatchObject({ envelope: { ok: true } });
      await expect.poll(() => ['agent1', 'agent2'].every((agent) => existsSync(path.join(gate, `${agent}.booting`))), { timeout: 60_000 }).toBe(true);
      expect(markedProcesses(mark)).toContain(child.pid);
      expect(markedProcesses(mark).length).toBeGreaterThanOrEqual(3);

      child.kill(signal);
      expect(await exited).toEqual({ code, signal: null });
      expect(markedProcesses(mark)).toEqual([]);
      expect(await readdir(dir)).not.toContain(LOCK_FILE);
      ws.terminate();
    } finally {
      for (const pid of markedProcesses(mark)) process.kill(pid, 'SIGKILL');
      await rm(home, { recursive: true, force: true });
    }
  });
