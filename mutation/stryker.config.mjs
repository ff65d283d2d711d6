// @ts-check
/**
 * StrykerJS for one module of mutation/modules.mjs (mutation/run.mjs names it in
 * CLUSTER_LAB_MUTATE): break it one plausible change at a time and run its unit tests against each.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
import { currentModule, slug } from './modules.mjs';

const { module } = currentModule();
const name = slug(module);

export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'mutation/vitest.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // Module-level mutants run with the module imported afresh (all of the module's tests again):
  // affordable because those tests take seconds.
  ignoreStatic: false,
  mutate: [module],
  // The sandbox needs the sources, the fixtures and the configs; not builds, reports or e2e.
  ignorePatterns: ['out', 'dist', 'test-results', 'playwright-report', 'reports', 'e2e', 'build', 'bench-results.json'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { reportScoreTable: true, allowColor: false, logTests: false },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: 'reports/.stryker-tmp',
  // Off unless asked for (`npm run mutate -- --incremental`): Stryker 9.6 reuses the last result of a
  // module-level mutant even when the tests changed, since no single test covers it.
  incremental: false,
  incrementalFile: `reports/mutation/incremental/${name}.json`,
  concurrency: 2,
  timeoutMS: 10000,
  thresholds: { high: 90, low: 85, break: null },
};
