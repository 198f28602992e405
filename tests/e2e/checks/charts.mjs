// The charts while a run goes, and the page's picture.

import { join } from 'node:path';
import { artifacts, check, inked, screenshot, tid, waitForDone, waitForRun } from '../lib.mjs';

/** A long run draws its charts while it goes, and Cancel keeps them. */
export async function liveProgressAndCancel({ newPage, base }) {
  const page = await newPage();
  await page.goto(base);
  await waitForDone(page);
  await page.click('[data-testid="advanced"] summary');
  await page.fill(tid('f-duration-s'), '100000');
  await page.click(tid('run'));
  const live = '[data-testid="chart-connections"][data-partial="live"]';
  await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.buckets) > 0, live, { timeout: 20000 });
  const first = await page.$eval(live, (c) => Number(c.dataset.buckets));
  const ink = await inked(page, 'connections');
  const running = (await page.$(tid('progress'))) !== null;
  check(running && ink.n > ink.total / 200, `live progress: the charts draw ${first} buckets before the run ends`);
  await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel)?.dataset.buckets) > n, [live, first], { timeout: 20000 });
  await page.click(tid('cancel'));
  await page.waitForSelector(tid('progress'), { state: 'detached', timeout: 5000 });
  const kept = await page.$eval(tid('chart-connections'), (c) => [c.dataset.partial, Number(c.dataset.buckets)]);
  const note = await page.textContent(tid('live-note'));
  check(kept[0] === 'cancelled' && kept[1] > first && /Cancelled at \d+ %/.test(note), `Cancel keeps what was drawn (${kept[1]} buckets): ${note}`);
  await page.close();
}

/** Screenshot of a preset's results (a pool larger than the database's cores). */
export async function presetScreenshot({ page }) {
  await page.selectOption(tid('preset'), 'oversized');
  await waitForRun(page, "Pool larger than the database's cores: 4 x 20 on 8 cores");
  await page.click(tid('dismiss'));
  await page.screenshot({ path: join(artifacts, 'page.png') });
  if (screenshot) await page.screenshot({ path: screenshot });
}
