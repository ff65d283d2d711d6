/**
 * The unit tests of the module `npm run mutate` is on (mutation/modules.mjs), run once per mutant.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../vitest.config';
import { currentModule } from './modules.mjs';

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: { ...base.test, include: currentModule().tests, reporters: ['default'], outputFile: {} },
});
