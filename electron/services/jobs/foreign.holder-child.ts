/**
 * Another program's job for foreign.test.ts, in a process of its own as the CLI would be: it takes
 * the lab's lock for a job, names its log as the runner does, appends the lines it is sent, and on
 * `release` lets go of the lock and exits. It runs no tool.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { labFolderLock } from './lock';
import { jobId, logFileName } from './logNames';

type Message = { append: string } | { release: true };

const dir = process.argv[2]!;
const startedAt = Date.now();
const id = jobId('up', startedAt, 'c0ffee');
const logFile = path.join(dir, 'logs', logFileName(id, startedAt));
const lock = labFolderLock(dir);

let queue: Promise<void> = Promise.resolve();
process.on('message', (message: Message) => {
  queue = queue.then(async () => {
    if ('append' in message) await appendFile(logFile, message.append);
    else {
      await lock.release();
      process.disconnect();
      return;
    }
    process.send!({ done: true });
  });
});

void lock
  .acquire({ jobId: id, kind: 'up', startedAt })
  .then(() => mkdir(path.dirname(logFile), { recursive: true }))
  .then(() => process.send!({ ready: { id, logFile } }));
