/**
 * Up's wall time against its critical path: the real job runner drives the stand-in vagrant, whose
 * every machine takes a fixed time to boot, for a server and four agents; then the same lab one
 * machine at a time. The critical path is what no schedule can beat: the server, then the slowest
 * agent, as the stand-in's own timeline records them. Up's k3s step fetches from a loopback stand-in
 * of GitHub (never the internet) into a cache both Ups share; the bytes it sends are counted per Up.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createContext } from '../../electron/services/context';
import { LabRunner } from '../../electron/services/jobs';
import { writeLab } from '../../electron/services/labFolder';
import { seedBridgeEnv } from '../../fixtures/env';
import { seedLab } from '../../shared/render/testing';
import { onCleanUp } from './cleanup';
import { round } from './figures';

export interface LabUpFigures {
  machines: number;
  machineMs: number;
  wallMs: number;
  criticalPathMs: number;
  sequentialMs: number;
  ratio: number;
  /** Bytes the k3s release server sent during each Up: the first into an empty cache, the second with it filled. */
  k3sDownloadedBytes: { parallel: number; sequential: number };
}

/** Where Up's k3s step fetches from (a loopback server), and what that server has sent so far. */
export interface K3sSource {
  env: NodeJS.ProcessEnv;
  sent: () => number;
}

interface Span {
  machine: string;
  command: string;
  start: number;
  end: number;
}

async function upOnce(fakeBinDir: string, agents: number, machineMs: number, sequential: boolean, k3s: K3sSource) {
  const home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-bench-up-'));
  const dropHome = onCleanUp(() => rm(home, { recursive: true, force: true }));
  let dropRunner = () => {};
  try {
    const dir = path.join(home, 'lab');
    await writeLab(dir, { ...seedLab(), agents: Array.from({ length: agents }, (_, i) => ({ name: `agent${i + 1}`, ip: `192.168.1.${111 + i}` })) });
    const timeline = path.join(home, 'timeline.jsonl');
    const env = {
      ...process.env,
      PATH: `${fakeBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: home,
      KUBECONFIG: path.join(home, '.kube', 'config'),
      VAGRANT_CHECKPOINT_DISABLE: '1',
      FAKE_VAGRANT_DELAY_MS: '0',
      FAKE_VAGRANT_MACHINE_MS: String(machineMs),
      FAKE_VAGRANT_TIMELINE: timeline,
      ...seedBridgeEnv(),
      ...k3s.env,
    };
    const sentBefore = k3s.sent();
    const runner = new LabRunner(createContext({ env, homeDir: home }));
    // Interrupted, the bench cancels the Up as the app would: no fake vagrant is left booting.
    dropRunner = onCleanUp(() => runner.dispose());
    const job = await runner.wait((await runner.start(dir, 'up', { sequential })).id);
    // From the job's start to its end as the person sees it ("succeeded"); the node table's refresh comes after.
    const wallMs = job.endedAt! - job.startedAt;
    if (job.status !== 'succeeded') throw new Error(`The benchmark's Up ${job.status}: ${job.failure?.message ?? ''}`);
    const spans = (await readFile(timeline, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Partial<Span>)
      .filter((span): span is Span => span.command === 'up');
    const length = (span: Span) => span.end - span.start;
    const server = spans.find((span) => span.machine === 'server')!;
    const slowestAgent = Math.max(0, ...spans.filter((span) => span.machine !== 'server').map(length));
    return { wallMs, criticalPathMs: length(server) + slowestAgent, k3sBytes: k3s.sent() - sentBefore };
  } finally {
    dropRunner();
    dropHome();
    await rm(home, { recursive: true, force: true });
  }
}

/** 4 s a machine: the stand-in's time per VM when the parallel Up was first measured (issue "Up in parallel"). */
export async function benchLabUp(fakeBinDir: string, k3s: K3sSource, agents = 4, machineMs = 4000): Promise<LabUpFigures> {
  const parallel = await upOnce(fakeBinDir, agents, machineMs, false, k3s);
  const sequential = await upOnce(fakeBinDir, agents, machineMs, true, k3s);
  return {
    machines: agents + 1,
    machineMs,
    wallMs: round(parallel.wallMs),
    criticalPathMs: round(parallel.criticalPathMs),
    sequentialMs: round(sequential.wallMs),
    ratio: round(parallel.wallMs / parallel.criticalPathMs, 2),
    k3sDownloadedBytes: { parallel: parallel.k3sBytes, sequential: sequential.k3sBytes },
  };
}
