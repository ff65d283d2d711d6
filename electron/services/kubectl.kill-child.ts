/**
 * Run by kubectl.test.ts (`tsx this-file LAB_DIR`, KUBECONFIG in its environment): a merge that
 * stops at its final rename (its temporary file written, kubectl's locks held), says so on stdout
 * and waits there, so the test can kill -9 it at the worst moment instead of guessing when that is.
 */
import { seedLab } from '../../shared/render/testing';
import { mergeIntoUserKubeconfig } from './kubectl';

const dir = process.argv[2] ?? '';
await mergeIntoUserKubeconfig({ env: process.env, platform: process.platform, homeDir: process.env.HOME ?? '' }, dir, seedLab(), {
  setCurrent: false,
  rename: {
    platform: process.platform,
    sleep: async () => {},
    now: Date.now,
    rename: () => {
      process.stdout.write('renaming\n');
      setInterval(() => {}, 60_000);
      return new Promise<void>(() => {});
    },
  },
});
