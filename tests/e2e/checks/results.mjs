// What a run shows: the verdict, the summary cards, the charts.

import { axeCheck, check, inked, tid, waitForDone, waitForRun } from '../lib.mjs';

/** A preset: form, verdict, cards, warnings, charts. */
export async function presetShowsResults(ctx) {
  const { page } = ctx;
  await page.selectOption(tid('preset'), 'oversized');
  check((await page.inputValue(tid('f-database-cores'))) === '8', 'preset fills the form (cores 8)');
  await page.click(tid('run'));
  await waitForRun(page, "Pool larger than the database's cores: 4 x 20 on 8 cores");
  const verdict = await page.textContent(tid('verdict'));
  ctx.verdict = verdict;
  check(verdict.length > 20, `verdict: ${verdict}`);
  const p99 = await page.textContent(`${tid('card-p99')} .card-value`);
  const peak = await page.textContent(`${tid('card-peak')} .card-value`);
  check(/\d/.test(p99) && /\d+ \/ 97/.test(peak), `summary cards: p99 ${p99}, peak ${peak}`);
  for (const stem of ['connections', 'db-connections', 'wait-distribution']) {
    const { n, total } = await inked(page, stem);
    check(n > total / 200, `chart ${stem} is drawn (${n} of ${total} pixels inked)`);
  }
  await axeCheck(page, 'results');
}

/** Near saturation the cards give a band and the verdict says the answer is fragile. */
export async function sensitivityBand({ newPage, base }) {
  const page = await newPage();
  await page.goto(base);
  await waitForDone(page);
  const scenario = {
    name: 'M/M/10 at 93 % busy', duration_s: 200, warmup_s: 10,
    workload: { rate_per_s: 930, query_ms: { kind: 'exponential', mean: 10 } },
    fleet: { instances: 1 }, pool: { max_size: 10, min_idle: 10, acquire_timeout_ms: null },
    database: { connect_ms: 0 },
  };
  await page.click('summary:has-text("Import scenario JSON")');
  await page.fill(tid('import-text'), JSON.stringify(scenario));
  await page.click(tid('import-apply'));
  await page.waitForSelector('[data-testid="verdict"][data-fragile="true"]', { timeout: 60000 });
  const v = await page.textContent(tid('verdict'));
  const band = await page.textContent(tid('card-p99-band'));
  check(/Fragile: p99 wait .* if queries are 5 % slower/.test(v), `the fragile answer: ${v.slice(v.indexOf('Fragile'))}`);
  check(/queries ±10 %: .* ms – .* ms/.test(band), `the band on the p99 card: ${band}`);
  await page.close();
}
