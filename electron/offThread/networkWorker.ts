/** A worker thread's entry: read the network facts once, send them, end. */
import { parentPort } from 'node:worker_threads';
import { readNetworkFacts } from '../services/networkFacts';

parentPort!.postMessage(await readNetworkFacts());
