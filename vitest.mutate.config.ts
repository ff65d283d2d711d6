/**
 * The unit suite as `npm run mutate` runs it, once per mutant: the same tests but the guest harness
 * (network namespaces, half a minute a test), whose promises the render tests also pin.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

export default mergeConfig(
  base,
  defineConfig({
    test: { exclude: ['**/node_modules/**', 'shared/render/guest.test.ts'], reporters: ['default'], outputFile: {} },
  }),
);
