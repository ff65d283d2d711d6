/**
 * One racer of lock.test.ts's stale-lock race, a process of its own: for each folder it is sent it
 * tries to take that folder's lock, and answers whether it won.
 */
import { labFolderLock } from './lock';

process.on('message', (message: { dir: string; round: number }) => {
  labFolderLock(message.dir)
    .acquire({ jobId: `racer-${process.pid}-${message.round}`, kind: 'up', startedAt: Date.now() })
    .then(
      () => process.send!({ round: message.round, won: true }),
      (error: Error) => process.send!({ round: message.round, won: false, why: error.message }),
    );
});
process.send!({ ready: true });
