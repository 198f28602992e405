// The site's transfer size.

import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { check, dist } from '../lib.mjs';

/**
 * The whole site's transfer size budget, gzipped: a guard against growth at
 * today's size plus under 1 %. 546 KB with one wasm module; 557.7 KB since
 * the page's sizing search is the core's `recommend_sizing` (issue #16, one
 * answer: its capacity gate, field paths and the sentences that explain an
 * answer, +11 KB, where the page's own search had none of them). Issue #11
 * asks for under 500 KB, which version 2's page does not meet yet (version
 * 1's did, at 485 KB); lower this as the site shrinks.
 */
const SITE_GZIP_BUDGET = 562_000;

/** Each file of the site gzipped (level 6, as servers do), and the total. */
async function siteSize(dir) {
  const files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
  const sizes = await Promise.all(files.map(async (f) => [f, gzipSync(await readFile(join(dir, f))).length]));
  return { sizes, total: sizes.reduce((a, [, n]) => a + n, 0) };
}

/** The site's files, gzipped, within the budget. */
export async function siteFitsItsBudget() {
  const site = await siteSize(dist);
  console.log(`METRIC site_gzip_bytes=${site.total} (${site.sizes.map(([f, n]) => `${f} ${n}`).join(', ')})`);
  check(site.total < SITE_GZIP_BUDGET, `the site is ${(site.total / 1000).toFixed(1)} KB gzipped (budget ${SITE_GZIP_BUDGET / 1000} KB)`);
}
