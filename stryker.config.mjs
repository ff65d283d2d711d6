// @ts-check
/**
 * `npm run mutate`: StrykerJS breaks the modules that hold Cluster Lab's promises one plausible
 * change at a time and runs the unit tests against each; a change no test notices is a gap. Not part
 * of `npm test` (slow on 2 cores). Reports: reports/mutation/ (HTML and JSON, git-ignored).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  // A static mutant (a module-level constant) needs every test run again: hours on 2 cores for
  // what the per-test mutants of the same lines already cover.
  ignoreStatic: true,
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    // Escaping and rendering: everything interpolated into Ruby and shell.
    'shared/render/escape.ts',
    'shared/render/vagrantfile.ts',
    // The lab folder's writes: atomic, the user's edits kept.
    'electron/services/files.ts',
    'electron/services/labFolder.ts',
    // The job lock and cancel.
    'electron/services/jobs/lock.ts',
    'electron/services/jobs/child.ts',
    'electron/services/signals.ts',
    // Kubeconfig and Telepresence config writes.
    'electron/services/kubectl.ts',
    'electron/services/telepresence.ts',
    // NIC judgement: what may be offered for bridging, under which name.
    'shared/nics.ts',
    'shared/bridgedifs.ts',
    'electron/services/toolSearch.ts',
    // The doctor's rules.
    'electron/services/doctor/tools.ts',
    'electron/services/doctor/machine.ts',
    'electron/services/doctor/fit.ts',
    'electron/services/doctor/network.ts',
    // Browser mode's checks, the IPC sender check, the quit guard, the CLI's exit codes.
    'electron/web/server.ts',
    'electron/main/ipc.ts',
    'electron/main/quitGuard.ts',
    'electron/cli/index.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: 'reports/.stryker-tmp',
  // A rerun tests only the mutants whose code or tests changed since the last one.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 20000,
  thresholds: { high: 90, low: 85, break: null },
};
