// One closing line for the whole run, from the JSON the unit and e2e runners leave in test-results/.
import { existsSync, readFileSync } from 'node:fs';

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null);
let passed = 0;
let failed = 0;
let skipped = 0;
const unit = read('test-results/vitest.json');
if (unit) {
  passed += unit.numPassedTests;
  // a file that fails to load fails no test, yet the run failed
  failed += unit.numFailedTests || unit.numFailedTestSuites;
  skipped += unit.numPendingTests + (unit.numTodoTests ?? 0);
}
const e2e = read('test-results/playwright.json');
if (e2e) {
  passed += e2e.stats.expected + e2e.stats.flaky;
  failed += e2e.stats.unexpected;
  skipped += e2e.stats.skipped;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
for (const title of e2e ? flakyTitles(e2e.suites) : []) console.log(`flaky (passed on its second try): ${title}`);

/** The titles of the e2e tests that failed once and then passed, from Playwright's JSON report. */
function flakyTitles(suites, parents = []) {
  return suites.flatMap((suite) => {
    const path = suite.title ? [...parents, suite.title] : parents;
    const own = (suite.specs ?? []).flatMap((spec) =>
      spec.tests.filter((test) => test.status === 'flaky').map(() => [...path, spec.title].join(' › ')),
    );
    return [...own, ...flakyTitles(suite.suites ?? [], path)];
  });
}
