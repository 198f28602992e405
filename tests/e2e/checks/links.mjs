// Permalinks: copied, opened fresh, mangled, pasted into an open tab.

import { check, tid, waitForRun } from '../lib.mjs';

/** Copy link, open it in a fresh context: same scenario, same verdict (the
 * fresh page serves the checks after it). */
export async function permalinkRestoresTheRun(ctx) {
  const { page, newPage, base, verdict } = ctx;
  await page.click(tid('copy-link'));
  const link = await page.textContent(tid('link-text'));
  ctx.link = link;
  check(link.startsWith(base) && link.includes('#s1='), `permalink ${link.length} chars`);
  const copied = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
  if (copied !== null) check(copied === link, 'the link is on the clipboard');
  const fresh = await newPage();
  ctx.fresh = fresh;
  await fresh.goto(link);
  await waitForRun(fresh, "Pool larger than the database's cores: 4 x 20 on 8 cores");
  check((await fresh.inputValue(tid('f-database-cores'))) === '8'
    && (await fresh.inputValue(tid('f-workload-rate-per-s'))) === '580', 'the link restores the scenario');
  check((await fresh.textContent(tid('verdict'))) === verdict, 'the link gives the same verdict');
}

/** A mangled link says so and falls back to the defaults. */
export async function mangledLinkFallsBack({ newPage, base, link }) {
  const mangled = await newPage();
  await mangled.goto(`${base}#s1=eyJwb29sIjp7Im1heF9zaXplIjo`);
  await mangled.waitForSelector(tid('notices'));
  const notice = await mangled.textContent(tid('notices'));
  check(/could not be read/.test(notice) && (await mangled.inputValue(tid('f-pool-max-size'))) === '20',
    'a mangled link shows a message and the defaults');
  await mangled.evaluate((h) => { location.hash = h; }, new URL(link).hash);
  await waitForRun(mangled, "Pool larger than the database's cores: 4 x 20 on 8 cores");
  check((await mangled.inputValue(tid('f-database-cores'))) === '8', 'a link pasted into an open tab loads its scenario');
}
