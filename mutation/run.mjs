#!/usr/bin/env node
/**
 * `npm run mutate [-- [--incremental] WORD...]`: StrykerJS over each module of mutation/modules.mjs
 * (those whose path holds one of the words, or all), one Stryker run per module against that
 * module's own tests, then the score per module and overall. Reports: reports/mutation/NAME.html and
 * NAME.json. `--incremental` retests only what changed since the last run (quick while writing
 * tests; module-level mutants keep their old verdict). Exits 1 when the overall score is under the
 * 85% the suite is held to.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { modules, slug } from './modules.mjs';

const TARGET = 85;
// Stryker's config, the reports and the sandbox are all named from the project's root.
process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const strykerFlags = args.filter((arg) => arg === '--incremental');
const words = args.filter((arg) => !strykerFlags.includes(arg));
const chosen = modules.filter(({ module }) => !words.length || words.some((word) => module.includes(word)));
if (!chosen.length) {
  console.error(`No module in mutation/modules.mjs matches ${words.join(', ')}. Give a word from one of these paths:`);
  for (const { module } of modules) console.error(`  ${module}`);
  process.exit(2);
}
// The package exports no bin path; npm installs it at this one.
const stryker = fileURLToPath(new URL('../node_modules/@stryker-mutator/core/bin/stryker.js', import.meta.url));

for (const { module } of chosen) {
  console.log(`\n=== ${module}`);
  const run = spawnSync(process.execPath, [stryker, 'run', 'mutation/stryker.config.mjs', ...strykerFlags], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CLUSTER_LAB_MUTATE: module },
  });
  if (run.status !== 0) {
    console.error(`Stryker failed on ${module} (exit ${run.status ?? run.signal}).`);
    process.exit(1);
  }
}

// Stryker's score: killed and timed out over every mutant that ran or had no test.
const counted = { killed: ['Killed', 'Timeout'], alive: ['Survived', 'NoCoverage'] };
const rows = modules.flatMap(({ module }) => {
  const file = `reports/mutation/${slug(module)}.json`;
  if (!existsSync(file)) return [];
  const mutants = JSON.parse(readFileSync(file, 'utf8')).files[module]?.mutants ?? [];
  const count = (statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
  // Survivors no test ran against: a test file failed while it was collected (one that calls the
  // module at its top level does, under a module-level mutant), and Stryker counts them as alive.
  const unrun = mutants.filter((m) => m.status === 'Survived' && m.testsCompleted === 0).length;
  return [{ module, killed: count(counted.killed), alive: count(counted.alive), unrun }];
});
const score = (killed, alive) => (killed + alive ? (100 * killed) / (killed + alive) : 100);
const total = rows.reduce((sum, r) => ({ killed: sum.killed + r.killed, alive: sum.alive + r.alive }), { killed: 0, alive: 0 });
console.log('\nscore   killed  alive  module');
for (const r of [...rows, { module: `all ${rows.length} modules`, ...total }])
  console.log(`${score(r.killed, r.alive).toFixed(1).padStart(5)}%  ${String(r.killed).padStart(6)}  ${String(r.alive).padStart(5)}  ${r.module}`);
for (const r of rows.filter((row) => row.unrun > 0))
  console.log(`${r.module}: ${r.unrun} survivors had no test run against them (a test file failed while it was collected).`);
if (rows.length < modules.length) console.log(`(${modules.length - rows.length} modules have no report yet)`);
process.exit(score(total.killed, total.alive) >= TARGET ? 0 : 1);
