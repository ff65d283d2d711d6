/**
 * k3s fetched once by the host (issue 24). A loopback server stands in for GitHub and get.k3s.io with
 * a release of a few tens of MB and counts every byte it sends; Up (labUp.ts) fetches from it. The
 * figures: what the host downloaded for Up of a server and four agents, and for the next Up (the cache
 * filled), against what the nodes downloaded before, each on its own (install.sh, the checksum list,
 * the binary and the images, once per machine); and the fetch's throughput (download, sha256 of each
 * file, into the cache) against a bare HTTP read of the same files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fetchRelease } from '../../electron/services/k3s/cache';
import { listenRelease, standInRelease, type standInSources, type StandInRelease } from '../../fixtures/k3sRelease';
import { onCleanUp } from './cleanup';
import { median, round } from './figures';
import type { K3sSource, LabUpFigures } from './labUp';

export interface K3sFetchFigures {
  machines: number;
  /** The release's files for one architecture: install.sh, the checksum list, the binary, the images. */
  releaseBytes: number;
  /** What the server sent during Up of the lab, the cache empty. */
  upDownloadBytes: number;
  /** What it sent during the next Up of the same lab, the cache filled: 0 when nothing is fetched twice. */
  nextUpDownloadBytes: number;
  /** Before: every node downloaded the release itself. */
  perNodeTotalBytes: number;
  /** perNodeTotalBytes / upDownloadBytes. */
  saved: number;
  fetchMiBps: number;
  bareReadMiBps: number;
  /** bareReadMiBps / fetchMiBps: what verifying and keeping the files costs. */
  ratio: number;
}

const MiB = 2 ** 20;

export interface ReleaseServer extends K3sSource {
  env: ReturnType<typeof standInSources>;
  release: StandInRelease;
}

/** The stand-in release (48 MiB binary, 32 MiB images) on 127.0.0.1, counting every byte written on any connection. */
export async function startReleaseServer(): Promise<ReleaseServer> {
  const release = standInRelease({ binary: bytes(48 * MiB, 7), images: bytes(32 * MiB, 13) });
  const sockets: Socket[] = [];
  const served = await listenRelease(release);
  served.server.on('connection', (socket: Socket) => sockets.push(socket));
  onCleanUp(() => served.close());
  return {
    release,
    env: served.env,
    sent: () => sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0),
  };
}

export async function benchK3sFetch(server: ReleaseServer, labUp: LabUpFigures, runs = 3): Promise<K3sFetchFigures> {
  const { release, env } = server;
  const releaseBytes = [...release.files.values()].reduce((sum, data) => sum + data.length, 0);
  const home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-bench-k3s-'));
  const dropHome = onCleanUp(() => rm(home, { recursive: true, force: true }));
  try {
    const fetchMs: number[] = [];
    const bareMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      const empty = path.join(home, `run-${run}`);
      const start = performance.now();
      await fetchRelease({ version: release.version, arch: 'amd64', images: true, cacheDir: empty, env });
      fetchMs.push(performance.now() - start);
      await rm(empty, { recursive: true, force: true });

      const bareStart = performance.now();
      for (const name of release.files.keys())
        await bareRead(
          name === 'install.sh'
            ? env.CLUSTER_LAB_K3S_INSTALL_SCRIPT
            : `${env.CLUSTER_LAB_K3S_RELEASES}/${encodeURIComponent(release.version)}/${name}`,
        );
      bareMs.push(performance.now() - bareStart);
    }
    const mibps = (ms: number) => round(releaseBytes / MiB / (ms / 1000));
    const fetchMiBps = mibps(median(fetchMs));
    const bareReadMiBps = mibps(median(bareMs));
    const upDownloadBytes = labUp.k3sDownloadedBytes.parallel;
    return {
      machines: labUp.machines,
      releaseBytes,
      upDownloadBytes,
      nextUpDownloadBytes: labUp.k3sDownloadedBytes.sequential,
      perNodeTotalBytes: releaseBytes * labUp.machines,
      saved: upDownloadBytes ? round((releaseBytes * labUp.machines) / upDownloadBytes, 2) : 0,
      fetchMiBps,
      bareReadMiBps,
      ratio: round(bareReadMiBps / fetchMiBps, 2),
    };
  } finally {
    dropHome();
    await rm(home, { recursive: true, force: true });
  }
}

/** Deterministic bytes, different for each seed: files no compression or cache makes smaller. */
function bytes(length: number, seed: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * seed + (i >> 10)) % 251;
  return data;
}

/** A GET whose body is read and dropped: what the network side of a download costs alone. */
function bareRead(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.on('end', () => resolve(received));
      res.on('error', reject);
    }).on('error', reject);
  });
}
