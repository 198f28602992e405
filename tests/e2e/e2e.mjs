// End-to-end test of the built page (dist/) in headless Chromium.
//
// Serves dist/ on 127.0.0.1 (a tiny static server, below), then as a planner
// would: load the page, pick a preset, run, read the verdict, cards and a
// drawn chart, copy the permalink and open it in a fresh browser context,
// open a mangled link, read a DATABASE_URL, cancel a long run, sweep pool
// size (the chart shows failures). Beside that: the site's gzipped size, the
// strict CSP in force with no console error, axe-core's accessibility check,
// generated links and import files that must never panic the page, and a
// golden report computed by the built (wasm-opt'd) worker. Prints the
// transfer size, the time to the first result, the default scenario's run
// time in the page and, when a native CLI build exists, the wasm-vs-native
// speed ratio on the M/M/10 benchmark. Exits non-zero on failure.
//
// The checks live in checks/, by area; CHECKS below runs them in order,
// each printing its name and whether it passed, then the closing
// `N passed, M failed` line (xtask reads those counts).
//
//   node tests/e2e/e2e.mjs [--dist DIR] [--screenshot FILE]

import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { chromium } from 'playwright-core';
import { artifacts, axeIsRunning, axeNoise, dist, tally } from './lib.mjs';
import { siteFitsItsBudget } from './checks/size.mjs';
import { defaultRunsAtLoad, defaultRunTime, wasmVsNative } from './checks/speed.mjs';
import { strictCsp, databaseUrlKeepsNoPassword, generatedInputsNeverPanic, noErrors } from './checks/security.mjs';
import { presetShowsResults, sensitivityBand } from './checks/results.mjs';
import { permalinkRestoresTheRun, mangledLinkFallsBack } from './checks/links.mjs';
import { exportsAndImport, builtWorkerIsGolden } from './checks/exports.mjs';
import { longRunCancels, servicesProxyAndEvents, calibrationPaste } from './checks/form.mjs';
import { sweepAndRecommendation, sweepShowsFailures } from './checks/calculator.mjs';
import { compareThroughALink } from './checks/compare.mjs';
import { everyGalleryLinkRuns } from './checks/gallery.mjs';
import { liveProgressAndCancel, presetScreenshot } from './checks/charts.mjs';

/**
 * The checks, in the order they run. They share one browser and a context
 * `ctx` ({ base, newPage, errors }); the first ones leave on it what later
 * ones read: the main `page` (defaultRunsAtLoad), its `verdict`
 * (presetShowsResults), the permalink `link` and the `fresh` page it opened
 * (permalinkRestoresTheRun), the `scenarioExport` and `reportExport`
 * downloads (exportsAndImport), the `bench` and `golden` scenarios.
 */
const CHECKS = [
  ['site size', siteFitsItsBudget],
  ['default scenario runs at load', defaultRunsAtLoad],
  ['strict CSP in force', strictCsp],
  ['default scenario run time', defaultRunTime],
  ['preset: verdict, cards, charts', presetShowsResults],
  ['permalink restores the run', permalinkRestoresTheRun],
  ['mangled link falls back', mangledLinkFallsBack],
  ['DATABASE_URL keeps no password', databaseUrlKeepsNoPassword],
  ['exports and a refused import', exportsAndImport],
  ['long run cancelled', longRunCancels],
  ['calculator: sweep and recommendation', sweepAndRecommendation],
  ['sweep shows failures', sweepShowsFailures],
  ['wasm vs native speed', wasmVsNative],
  ['built worker is golden', builtWorkerIsGolden],
  ['generated links and imports never panic', generatedInputsNeverPanic],
  // Version 2 (issue #10, #11): each on its own page.
  ['v2 form: services, proxy, events', servicesProxyAndEvents],
  ['v2 compare through a link', compareThroughALink],
  ['v2 gallery', everyGalleryLinkRuns],
  ['v2 live progress and Cancel', liveProgressAndCancel],
  ['v2 sensitivity band', sensitivityBand],
  ['v2 calibration paste', calibrationPaste],
  ['preset screenshot', presetScreenshot],
  ['no errors', noErrors],
];

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
};

function serve(dir) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = join(dir, path.endsWith('/') ? path + 'index.html' : path);
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': MIME[extname(file)] || 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** Runs `run(ctx)` under `name`: its name first, then whether its checks passed. */
async function runCheck(name, run, ctx) {
  console.log(`== ${name}`);
  const before = tally.failures;
  try {
    await run(ctx);
  } catch (e) {
    console.log(`-- ${name}: FAIL (stopped by an error)`);
    throw e;
  }
  const failed = tally.failures - before;
  console.log(`-- ${name}: ${failed ? `FAIL (${failed} failing)` : 'pass'}`);
}

async function main() {
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`no ${dist}/index.html: build the site first`);
  await mkdir(artifacts, { recursive: true });
  const server = await serve(dist);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors = [];
  // Page errors (a Rust panic is one), console errors (a CSP violation is
  // one) and requests off this machine go to `into`; while axe-core runs,
  // console errors go to `axeNoise` (axe sets inline styles as it measures,
  // which the CSP refuses, rightly).
  const newPage = async (into = errors) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
    const page = await context.newPage();
    page.on('pageerror', (e) => into.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') (axeIsRunning(page) ? axeNoise : into).push(`console: ${m.text()}`);
    });
    // Any request off this machine is a failure (the CSP should forbid them).
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) into.push(`external request ${u}`);
    });
    return page;
  };
  const ctx = { base, newPage, errors };
  try {
    for (const [name, run] of CHECKS) await runCheck(name, run, ctx);
  } finally {
    await browser.close();
    server.close();
  }
}

main().then(() => {
  console.log(`${tally.passes} passed, ${tally.failures} failed`);
  process.exit(tally.failures ? 1 : 0);
}, (e) => {
  console.log(`FAIL ${e.stack || e}`);
  console.log(`${tally.passes} passed, ${tally.failures + 1} failed`);
  process.exit(1);
});
