/**
 * The modules that hold Cluster Lab's promises, each with the unit tests that answer for it. A
 * mutant is judged by those tests alone: they run in seconds, so a module-level mutant (a rules
 * table, a pattern) can be run with the module loaded afresh, as Stryker must for those, instead of
 * being left alive because it was switched on after the import. Tests that start real Vagrant or a
 * job's processes (runner, vagrant validate, the guest harness) stay in `npm test`.
 */
export const modules = [
  // Escaping and rendering: everything interpolated into Ruby and shell.
  { module: 'shared/render/escape.ts', tests: ['shared/render/escape.test.ts', 'shared/render/render.test.ts'] },
  { module: 'shared/render/vagrantfile.ts', tests: ['shared/render/render.test.ts', 'shared/render/scripts.test.ts'] },
  // The lab folder's writes: atomic, the user's edits kept.
  // readPlainFile, the one reader of what a lab or a guest left, answers to handoff's hostile files too.
  { module: 'electron/services/files.ts', tests: ['electron/services/files.test.ts', 'electron/services/guest/handoff.test.ts'] },
  { module: 'electron/services/labFolder.ts', tests: ['electron/services/labFolder.test.ts'] },
  // The job lock and cancel.
  {
    module: 'electron/services/jobs/lock.ts',
    tests: ['electron/services/jobs/lock.test.ts', 'electron/services/jobs/lock.noProc.test.ts', 'electron/services/jobs/foreign.test.ts'],
  },
  // A lab's logs/ as others' jobs and past jobs are read from it: our names only, no link, no FIFO, bounded.
  { module: 'electron/services/jobs/logFiles.ts', tests: ['electron/services/jobs/foreign.test.ts'] },
  { module: 'electron/services/jobs/logNames.ts', tests: ['electron/services/jobs/logNames.test.ts', 'electron/services/jobs/foreign.test.ts'] },
  { module: 'electron/services/jobs/child.ts', tests: ['electron/services/jobs/child.test.ts', 'electron/services/signals.test.ts'] },
  { module: 'electron/services/signals.ts', tests: ['electron/services/signals.test.ts'] },
  // What a lab hands back (k3s.yaml, kubeconfig.yaml), and the kubeconfig and Telepresence config writes.
  { module: 'electron/services/guest/handoff.ts', tests: ['electron/services/guest/handoff.test.ts'] },
  { module: 'electron/services/kubectl.ts', tests: ['electron/services/kubectl.test.ts'] },
  { module: 'electron/services/telepresence.ts', tests: ['electron/services/telepresence.test.ts'] },
  // NIC judgement: what may be offered for bridging, under which name.
  { module: 'shared/nics.ts', tests: ['shared/nics.test.ts'] },
  { module: 'shared/bridgedifs.ts', tests: ['shared/bridgedifs.test.ts'] },
  { module: 'electron/services/toolSearch.ts', tests: ['electron/services/toolSearch.test.ts', 'electron/services/tools.test.ts'] },
  // The doctor's rules.
  { module: 'electron/services/doctor/tools.ts', tests: ['electron/services/doctor/rules.test.ts', 'electron/services/doctor/doctor.test.ts'] },
  { module: 'electron/services/doctor/machine.ts', tests: ['electron/services/doctor/rules.test.ts', 'electron/services/doctor/doctor.test.ts'] },
  {
    module: 'electron/services/doctor/fit.ts',
    tests: ['electron/services/doctor/rules.test.ts', 'electron/services/doctor/doctor.test.ts', 'shared/lab/fit.test.ts'],
  },
  { module: 'electron/services/doctor/network.ts', tests: ['electron/services/doctor/rules.test.ts', 'electron/services/doctor/doctor.test.ts'] },
  { module: 'electron/services/doctor/k3s.ts', tests: ['electron/services/doctor/k3s.test.ts'] },
  // Which proxy a k3s download takes (HTTPS_PROXY, NO_PROXY), its credentials never shown.
  { module: 'electron/services/k3s/proxy.ts', tests: ['electron/services/k3s/proxy.test.ts'] },
  // k3s into a lab's share: copies checked against the cache's checksums, never a link a guest could write through.
  { module: 'electron/services/k3s/place.ts', tests: ['electron/services/k3s/cache.test.ts'] },
  // Browser mode's checks, the page's files in both shells, the links out, the IPC sender check, the quit guard, the CLI's exit codes.
  { module: 'electron/web/server.ts', tests: ['electron/web/server.test.ts'] },
  {
    module: 'electron/services/rendererFiles.ts',
    tests: ['electron/services/rendererFiles.test.ts', 'electron/main/appProtocol.test.ts', 'electron/web/server.test.ts'],
  },
  { module: 'electron/main/appProtocol.ts', tests: ['electron/main/appProtocol.test.ts'] },
  { module: 'electron/main/security.ts', tests: ['electron/main/security.test.ts', 'electron/main/wiring.test.ts'] },
  { module: 'electron/main/ipc.ts', tests: ['electron/main/ipc.test.ts', 'electron/main/wiring.test.ts'] },
  { module: 'electron/main/quitGuard.ts', tests: ['electron/main/quitGuard.test.ts'] },
  { module: 'electron/cli/index.ts', tests: ['electron/cli/index.test.ts', 'electron/cli/cli.test.ts'] },
];

/** The entry `npm run mutate` is on now: the driver names it for Stryker and vitest. */
export function currentModule() {
  const name = process.env.CLUSTER_LAB_MUTATE;
  const found = modules.find((entry) => entry.module === name);
  if (!found) throw new Error(`CLUSTER_LAB_MUTATE must be one of the modules in mutation/modules.mjs (got ${name ?? 'nothing'}); run npm run mutate`);
  return found;
}

/** A file name for the module's reports: shared/nics.ts → shared-nics. */
export const slug = (module) => module.replace(/\.tsx?$/, '').replaceAll('/', '-');
