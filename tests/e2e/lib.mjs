// What the end-to-end checks share: the command line and paths, the pass /
// fail tally, and the page helpers (waiting for a run, reading a canvas,
// downloads, axe-core). See e2e.mjs for the runner.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
export const dist = resolve(arg('--dist', join(root, 'dist')));
const targetDir = process.env.CARGO_TARGET_DIR || join(root, 'target');
export const artifacts = join(targetDir, 'e2e');
export const screenshot = arg('--screenshot', null);
// With --docs DIR the version-2 checks also save the README's pictures there.
export const docs = arg('--docs', null);
export const native = process.env.POOLCAST_NATIVE || join(targetDir, 'release', 'poolcast');
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Every assertion's outcome so far. */
export const tally = { passes: 0, failures: 0 };

export function check(cond, what) {
  if (cond) { tally.passes++; console.log(`ok   ${what}`); } else { tally.failures++; console.log(`FAIL ${what}`); }
}

export const tid = (id) => `[data-testid="${id}"]`;

/** A scenario file of the repository, parsed. */
export const readJson = async (...path) => JSON.parse(await readFile(join(root, ...path), 'utf8'));

/** Waits until the run info names `name` and returns its measurements. */
export async function waitForRun(page, name, timeout = 60000) {
  await page.waitForFunction((n) => {
    const el = document.querySelector('[data-testid="run-info"]');
    const stale = document.querySelector('[data-testid="stale"]');
    return el && el.textContent.includes(`“${n}”`) && !stale && !document.querySelector('[data-testid="progress"]');
  }, name, { timeout });
  return page.$eval(tid('run-info'), (el) => ({
    roundtrip: Number(el.dataset.roundtripMs), worker: Number(el.dataset.workerMs), events: Number(el.dataset.events),
  }));
}

/** Waits until a run is done (whatever its name), A's too when comparing. */
export async function waitForDone(page, timeout = 90000) {
  await page.waitForFunction(() => {
    const info = document.querySelector('[data-testid="run-info"]');
    const a = document.querySelector('[data-testid="verdict-a"]');
    return info && !document.querySelector('[data-testid="stale"]')
      && !document.querySelector('[data-testid="progress"]')
      && (!document.querySelector('[data-testid="compare-note"]') || (a && !/is running/.test(a.textContent)));
  }, null, { timeout });
}

/** The aria-label of the element `id`. */
export const label = (page, id) => page.$eval(tid(id), (el) => el.getAttribute('aria-label'));

/** Non-white pixels of a chart canvas. */
export const inked = (page, stem) => page.$eval(tid(`chart-${stem}`), (c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
  return { n, total: c.width * c.height };
});

/** The file `click` makes `p` download, saved with the artifacts. */
export async function download(p, click) {
  const [d] = await Promise.all([p.waitForEvent('download'), click()]);
  const file = join(artifacts, d.suggestedFilename());
  await d.saveAs(file);
  return { name: d.suggestedFilename(), text: await readFile(file, 'utf8') };
}

/** A click on the export menu's item `id`. */
export const fromMenu = (page, id) => async () => { await page.click(tid('export-menu')); await page.click(tid(id)); };

/** Opens every details panel but the menus. */
export const openPanels = (page) => page.evaluate(() => document.querySelectorAll('details:not(.menu)').forEach((d) => { d.open = true; }));

/** Clicks Run and waits until the run info shows a new round trip. */
export async function rerun(page, timeout) {
  const before = await page.$eval(tid('run-info'), (el) => el.dataset.roundtripMs);
  await page.click(tid('run'));
  await page.waitForFunction((b) => {
    const el = document.querySelector('[data-testid="run-info"]');
    return el && el.dataset.roundtripMs !== b && !document.querySelector('[data-testid="progress"]');
  }, before, { timeout });
}

/** Waits until the sweep has run all its points. */
export const sweepDone = (page, timeout) => page.waitForFunction(() => {
  const e = document.querySelector('[data-testid="sweep-progress"]');
  return e && /^(\d+) \/ \1 points/.test(e.textContent);
}, null, { timeout });

/** Pixels of the canvas `id` within `tol` of the colour `rgb` on each channel. */
export const pixelsNear = (page, id, rgb, tol) => page.$eval(tid(id), (c, [rgb, tol]) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - rgb[0]) < tol[0] && Math.abs(d[i + 1] - rgb[1]) < tol[1] && Math.abs(d[i + 2] - rgb[2]) < tol[2]) n++;
  return n;
}, [rgb, tol]);

const axeRunning = new WeakSet();
/** Console errors while axe-core ran (axe sets inline styles as it
 * measures, which the CSP refuses, rightly). */
export const axeNoise = [];
/** Whether axe-core is running on `page` (its console errors are noise). */
export const axeIsRunning = (page) => axeRunning.has(page);

/** axe-core on the page as it is: no serious or critical violation. */
export async function axeCheck(page, what) {
  axeRunning.add(page);
  // Evaluated through DevTools, so the page's CSP need not allow it.
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  // Let the console catch up before errors count again.
  await page.evaluate(() => new Promise((ok) => setTimeout(ok, 100)));
  axeRunning.delete(page);
  const serious = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  console.log(`METRIC axe_${what} violations=${found.length} serious_or_critical=${serious.length}`
    + found.map((v) => ` ${v.id}(${v.impact}, ${v.nodes} nodes)`).join(''));
  check(serious.length === 0, `axe-core on ${what}: no serious or critical violations`
    + serious.map((v) => `; ${v.id}: ${v.help} at ${v.targets.join(', ')}`).join(''));
}
