/// <reference types="electron-vite/node" />
/**
 * The network facts read on a worker thread, for the shells that serve a window (the Electron main
 * process, browser mode's host): systeminformation's execSync calls then block the worker, never the
 * process that answers the window. The CLI reads in-process; it has nothing else to do meanwhile.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { NetworkFacts } from '../services/networkFacts';
import workerPath from './networkWorker?modulePath';

/**
 * The installed app keeps the worker's file beside the asar (electron-builder.yml asarUnpack): a
 * worker thread is started from a real file, the way apps commonly load asar-unpacked code.
 */
export function workerFile(bundled: string, exists: (file: string) => boolean = existsSync): string {
  const unpacked = bundled.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
  return unpacked !== bundled && exists(unpacked) ? unpacked : bundled;
}

export function readNetworkFactsOffThread(): Promise<NetworkFacts> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile(workerPath));
    worker.once('message', (facts: NetworkFacts) => {
      resolve(facts);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`Reading the network interfaces stopped (worker exit ${code}).`)));
  });
}
