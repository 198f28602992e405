// The gallery of example scenarios.

import { join } from 'node:path';
import { check, docs, tid, waitForDone } from '../lib.mjs';

/** Every gallery link opens and runs, in a fresh page; one also in place. */
export async function everyGalleryLinkRuns({ newPage, base }) {
  const page = await newPage();
  await page.goto(base);
  await waitForDone(page);
  const links = await page.$$eval('[data-testid="gallery"] a', (as) => as.map((a) => [a.dataset.testid, a.getAttribute('href')]));
  check(links.length >= 11, `the gallery lists ${links.length} scenarios`);
  if (docs) await page.locator(tid('gallery')).screenshot({ path: join(docs, 'gallery.png') });
  for (const [id, href] of links) {
    const p = await newPage();
    await p.goto(base + href);
    await waitForDone(p);
    const v = await p.textContent(tid('verdict'));
    const pair = (await p.$(tid('verdict-a'))) !== null;
    check(v.length > 10 && /#s[12]=/.test(p.url()), `${id} opens and runs${pair ? ' as A/B' : ''}: ${v.slice(0, 70)}`);
    await p.close();
  }
  await page.click(tid('example-retry-storm'));
  // Until the click's state lands, the page still shows the previous run as
  // done: wait for the new scenario's run, not merely for a finished one.
  const opened = await page.waitForFunction(() => {
    const info = document.querySelector('[data-testid="run-info"]');
    return info && /Retry storm/.test(info.textContent);
  }, null, { timeout: 90000 }).then(() => true, () => false);
  await waitForDone(page);
  check(opened && /Retry storm/.test(await page.textContent(tid('run-info'))), 'a gallery link clicked in place opens its scenario');
  await page.close();
}
