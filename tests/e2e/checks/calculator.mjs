// The calculator: the formulas, a sweep of pool size over workers, a
// recommendation, and a sweep that shows failures.

import { join } from 'node:path';
import { artifacts, axeCheck, check, inked, openPanels, pixelsNear, sweepDone, tid, waitForRun } from '../lib.mjs';

/** The calculator: a sweep of pool size over workers, a recommendation. */
export async function sweepAndRecommendation({ page }) {
  await page.selectOption(tid('preset'), 'mega-directory');
  await waitForRun(page, 'Mega Directory: the same functions through PgBouncer (transaction mode)');
  check(/Little's law/.test(await page.textContent(tid('calc-formulas'))), 'the calculator shows the formulas');
  await page.click(tid('sweep'));
  await page.click(tid('recommend'));
  await sweepDone(page, 120000);
  const sweep = await inked(page, 'sweep');
  const sweepInk = sweep.n / sweep.total;
  check(sweepInk > 0.005, `the sweep chart is drawn (${(sweepInk * 100).toFixed(1)} % inked)`);
  await page.waitForFunction(() => {
    const e = document.querySelector('[data-testid="advice"]');
    return e && !e.textContent.startsWith('Searching');
  }, null, { timeout: 120000 });
  const advice = await page.textContent(tid('advice'));
  check(/meeting the SLO: \d+|meets the SLO/.test(advice), `recommendation: ${advice.slice(0, 100)}`);
  await openPanels(page);
  await axeCheck(page, 'calculator_and_open_panels');
}

/** The sweep chart shows failures: serverless functions without a proxy at
 * pool sizes 2-4 fail most requests without ever waiting. (The
 * mega_directory guide's advice without the PgBouncer it requires: 200
 * function instances x connection_limit=1 against max_connections 100.) */
export async function sweepShowsFailures({ page }) {
  const noProxy = {
    name: 'Serverless without a proxy: 200 functions x connection_limit 1', duration_s: 300,
    fleet: { instances: 200 }, pool: { max_size: 1, acquire_timeout_ms: 10000 }, database: { connect_ms: 20 },
  };
  await openPanels(page);
  await page.fill(tid('import-text'), JSON.stringify(noProxy));
  await page.click(tid('import-apply'));
  await page.click(tid('run'));
  await waitForRun(page, noProxy.name, 120000);
  await page.click(tid('sweep'));
  await sweepDone(page, 180000);
  const rows = await page.$$eval(`${tid('sweep-table')} tbody tr`, (trs) => trs.map((tr) => ({
    size: Number(tr.cells[0].textContent), failed: Number(tr.dataset.failureFraction), text: tr.textContent })));
  const crowded = rows.filter((r) => r.size >= 2 && r.size <= 4);
  check(crowded.length >= 2 && crowded.every((r) => r.failed > 0.5),
    `sweep table: sizes 2-4 fail ${crowded.map((r) => `${(100 * r.failed).toFixed(0)} %`).join(', ')} of requests`);
  const grey = await pixelsNear(page, 'chart-sweep', [0x4d, 0x4d, 0x4d], [8, 8, 8]);
  check(grey > 400, `the sweep chart draws the failure series (${grey} pixels in its colour)`);
  await page.locator(tid('chart-sweep')).screenshot({ path: join(artifacts, 'sweep.png') });
}
