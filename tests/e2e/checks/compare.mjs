// A/B compare: two runs side by side, carried by one link.

import { join } from 'node:path';
import { artifacts, check, docs, label, tid, waitForDone } from '../lib.mjs';

/** The mega_directory pair through a link: A beside B, then the same in a fresh page. */
export async function compareThroughALink({ newPage, base }) {
  const page = await newPage();
  await page.goto(`${base}#example=mega-directory`);
  await waitForDone(page);
  const a = await page.textContent(tid('verdict-a'));
  const b = await page.textContent(tid('verdict'));
  check(/Unsafe/.test(a) && /too many clients/.test(a) && /PgBouncer/.test(a), `A: ${a.slice(0, 160)}`);
  check(/Safe/.test(b) && /50 of 97/.test(b), `B: ${b.slice(0, 160)}`);
  const peakAB = await page.textContent(tid('card-peak-ab'));
  check(/A 97 → B 50/.test(peakAB), `the peak card shows A and B: ${peakAB}`);
  check((await label(page, 'topology-a')).includes('(hit its limit)'), "A's topology marks the primary");
  check((await label(page, 'chart-db-connections')).includes('run A faint'), 'charts overlay A');
  await page.click(tid('copy-link'));
  const link = await page.textContent(tid('link-text'));
  check(link.includes('#s2=') && link.includes('&a2='), `the link carries both scenarios (${link.length} chars)`);
  await page.click(tid('dismiss'));
  await page.locator('.topology').screenshot({ path: join(artifacts, 'topology.png') });
  await page.locator(tid('results')).screenshot({ path: join(artifacts, 'compare.png'), clip: undefined });
  await page.screenshot({ path: join(artifacts, 'compare-page.png') });
  if (docs) {
    await page.locator('.topology').screenshot({ path: join(docs, 'topology.png') });
    await page.screenshot({ path: join(docs, 'compare.png') });
  }
  const fresh = await newPage();
  await fresh.goto(link);
  await waitForDone(fresh);
  check((await fresh.textContent(tid('verdict-a'))) === a && (await fresh.textContent(tid('verdict'))) === b,
    'the link opens A and B in a fresh page with the same verdicts');
  await fresh.close();
  await page.close();
}
