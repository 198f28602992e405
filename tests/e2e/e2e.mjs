// End-to-end test of the built page (dist/) in headless Chromium.
//
// Serves dist/ on 127.0.0.1 (a tiny static server, below), then as a planner
// would: load the page, pick a preset, run, read the verdict, cards and a
// drawn chart, copy the permalink and open it in a fresh browser context,
// open a mangled link, read a DATABASE_URL, cancel a long run. Prints the
// default scenario's run time measured in the page and, when a native CLI
// build exists, the wasm-vs-native speed ratio. Exits non-zero on failure.
//
//   node tests/e2e/e2e.mjs [--dist DIR] [--screenshot FILE]

import { createServer } from 'node:http';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, extname, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const dist = resolve(arg('--dist', join(root, 'dist')));
const targetDir = process.env.CARGO_TARGET_DIR || join(root, 'target');
const artifacts = join(targetDir, 'e2e');
const screenshot = arg('--screenshot', null);
const native = process.env.POOLCAST_NATIVE || join(targetDir, 'release', 'poolcast');

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

let failures = 0;
let passes = 0;
function check(cond, what) {
  if (cond) { passes++; console.log(`ok   ${what}`); } else { failures++; console.log(`FAIL ${what}`); }
}

const tid = (id) => `[data-testid="${id}"]`;

/** Waits until the run info names `name` and returns its measurements. */
async function waitForRun(page, name, timeout = 60000) {
  await page.waitForFunction((n) => {
    const el = document.querySelector('[data-testid="run-info"]');
    const stale = document.querySelector('[data-testid="stale"]');
    return el && el.textContent.includes(`“${n}”`) && !stale && !document.querySelector('[data-testid="progress"]');
  }, name, { timeout });
  return page.$eval(tid('run-info'), (el) => ({
    roundtrip: Number(el.dataset.roundtripMs), worker: Number(el.dataset.workerMs), events: Number(el.dataset.events),
  }));
}

/** Non-white pixels of a chart canvas. */
const inked = (page, stem) => page.$eval(tid(`chart-${stem}`), (c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
  return { n, total: c.width * c.height };
});

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
  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    // Any request off this machine is a failure (the CSP should forbid them).
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) errors.push(`external request ${u}`);
    });
    return page;
  };
  try {
    // 1. The default scenario runs by itself at load.
    const page = await newPage();
    await page.goto(base);
    const first = await waitForRun(page, '4 instances x 20 vs max_connections 100');
    check(first.events > 0, `default scenario ran at load (${first.events} events)`);
    // Time the default scenario a few times through the Run button.
    const times = [];
    for (let i = 0; i < 3; i++) {
      const before = await page.$eval(tid('run-info'), (el) => el.dataset.roundtripMs);
      await page.click(tid('run'));
      await page.waitForFunction((b) => {
        const el = document.querySelector('[data-testid="run-info"]');
        return el && el.dataset.roundtripMs !== b && !document.querySelector('[data-testid="progress"]');
      }, before, { timeout: 60000 });
      times.push(await page.$eval(tid('run-info'), (el) => ({
        roundtrip: Number(el.dataset.roundtripMs), worker: Number(el.dataset.workerMs), events: Number(el.dataset.events),
      })));
    }
    times.sort((a, b) => a.roundtrip - b.roundtrip);
    const median = times[1];
    console.log(`METRIC default_scenario_roundtrip_ms=${median.roundtrip.toFixed(1)} worker_ms=${median.worker.toFixed(1)} events=${median.events}`);

    // 2. A preset: form, verdict, cards, warnings, charts.
    await page.selectOption(tid('preset'), 'oversized');
    check((await page.inputValue(tid('f-database-cores'))) === '8', 'preset fills the form (cores 8)');
    await page.click(tid('run'));
    await waitForRun(page, "Pool larger than the database's cores: 4 x 20 on 8 cores");
    const verdict = await page.textContent(tid('verdict'));
    check(verdict.length > 20, `verdict: ${verdict}`);
    const p99 = await page.textContent(`${tid('card-p99')} .card-value`);
    const peak = await page.textContent(`${tid('card-peak')} .card-value`);
    check(/\d/.test(p99) && /\d+ \/ 97/.test(peak), `summary cards: p99 ${p99}, peak ${peak}`);
    for (const stem of ['connections', 'db-connections', 'wait-distribution']) {
      const { n, total } = await inked(page, stem);
      check(n > total / 200, `chart ${stem} is drawn (${n} of ${total} pixels inked)`);
    }

    // 3. Copy link, open it in a fresh context: same scenario, same verdict.
    await page.click(tid('copy-link'));
    const link = await page.textContent(tid('link-text'));
    check(link.startsWith(base) && link.includes('#s1='), `permalink ${link.length} chars`);
    const copied = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
    if (copied !== null) check(copied === link, 'the link is on the clipboard');
    const fresh = await newPage();
    await fresh.goto(link);
    await waitForRun(fresh, "Pool larger than the database's cores: 4 x 20 on 8 cores");
    check((await fresh.inputValue(tid('f-database-cores'))) === '8'
      && (await fresh.inputValue(tid('f-workload-rate-per-s'))) === '580', 'the link restores the scenario');
    check((await fresh.textContent(tid('verdict'))) === verdict, 'the link gives the same verdict');

    // 4. A mangled link says so and falls back to the defaults.
    const mangled = await newPage();
    await mangled.goto(`${base}#s1=eyJwb29sIjp7Im1heF9zaXplIjo`);
    await mangled.waitForSelector(tid('notices'));
    const notice = await mangled.textContent(tid('notices'));
    check(/could not be read/.test(notice) && (await mangled.inputValue(tid('f-pool-max-size'))) === '20',
      'a mangled link shows a message and the defaults');
    await mangled.evaluate((h) => { location.hash = h; }, new URL(link).hash);
    await waitForRun(mangled, "Pool larger than the database's cores: 4 x 20 on 8 cores");
    check((await mangled.inputValue(tid('f-database-cores'))) === '8', 'a link pasted into an open tab loads its scenario');

    // 5. A DATABASE_URL fills fields and keeps no credentials.
    await fresh.fill(tid('env-text'), 'postgresql://u:hunter2@db.internal:5432/app?connection_limit=7&pool_timeout=3&connect_timeout=60');
    await fresh.click(tid('env-apply'));
    const envNotice = await fresh.textContent(tid('notices'));
    check((await fresh.inputValue(tid('f-pool-max-size'))) === '7'
      && (await fresh.inputValue(tid('f-pool-acquire-timeout-ms'))) === '3000', 'DATABASE_URL fills max size and timeout');
    check(/ignored: connect_timeout/.test(envNotice) && !envNotice.includes('hunter2'), 'it lists what it ignored, no password');
    check(!(await fresh.evaluate(() => location.hash + JSON.stringify(localStorage))).includes('hunter2'), 'no password in the link or storage');

    // 5b. Exports download real files; an import with an unknown field is refused by name.
    const download = async (p, click) => {
      const [d] = await Promise.all([p.waitForEvent('download'), click()]);
      const file = join(artifacts, d.suggestedFilename());
      await d.saveAs(file);
      return { name: d.suggestedFilename(), text: await readFile(file, 'utf8') };
    };
    const fromMenu = (id) => async () => { await page.click(tid('export-menu')); await page.click(tid(id)); };
    const scen = await download(page, fromMenu('export-scenario'));
    check(JSON.parse(scen.text).database.cores === 8, `scenario JSON export (${scen.name})`);
    const csv = await download(page, fromMenu('export-csv'));
    check(csv.text.startsWith('t_s,arrivals,waiting,busy') && csv.text.split('\n').length > 100, `timeline CSV export (${csv.name})`);
    const rep = await download(page, fromMenu('export-report'));
    check(JSON.parse(rep.text).requests.arrived > 0, `report JSON export (${rep.name})`);
    const png = await download(page, () => page.click(tid('png-db-connections')));
    check(png.name.endsWith('.png'), `chart PNG export (${png.name})`);
    await fresh.click('summary:has-text("Import scenario JSON")');
    await fresh.setInputFiles(tid('import-file'), {
      name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"pool": {"max_size": 5, "maxWait": 3}}'),
    });
    await fresh.waitForFunction(() => /maxWait/.test(document.querySelector('[data-testid="notices"]')?.textContent || ''));
    check((await fresh.inputValue(tid('f-pool-max-size'))) === '7', 'an import with an unknown field is refused, naming it, and changes nothing');
    await fresh.click('summary:has-text("Import scenario JSON")');

    // 6. A long run shows progress and can be cancelled; the page stays responsive.
    await fresh.click('[data-testid="advanced"] summary');
    await fresh.fill(tid('f-duration-s'), '100000');
    await fresh.click(tid('run'));
    await fresh.waitForSelector(tid('progress'), { timeout: 10000 });
    const typed = await fresh.evaluate(() => { const t = performance.now(); return new Promise((ok) => setTimeout(() => ok(performance.now() - t), 50)); });
    check(typed < 500, `the page stays responsive during a run (a 50 ms timer fired after ${typed.toFixed(0)} ms)`);
    await fresh.click(tid('cancel'));
    await fresh.waitForSelector(tid('progress'), { state: 'detached', timeout: 5000 });
    check((await fresh.textContent(tid('notices'))).includes('Run cancelled'), 'Cancel stops the run');

    // 7. The calculator: a sweep of pool size over workers, a recommendation.
    await page.selectOption(tid('preset'), 'mega-directory');
    await waitForRun(page, 'Mega Directory: 3 instances x 10, pool_timeout 20 s');
    check(/Little's law/.test(await page.textContent(tid('calc-formulas'))), 'the calculator shows the formulas');
    await page.click(tid('sweep'));
    await page.click(tid('recommend'));
    await page.waitForFunction(() => {
      const e = document.querySelector('[data-testid="sweep-progress"]');
      return e && /^(\d+) \/ \1 points/.test(e.textContent);
    }, null, { timeout: 120000 });
    const sweep = await inked(page, 'sweep');
    const sweepInk = sweep.n / sweep.total;
    check(sweepInk > 0.005, `the sweep chart is drawn (${(sweepInk * 100).toFixed(1)} % inked)`);
    await page.waitForFunction(() => {
      const e = document.querySelector('[data-testid="advice"]');
      return e && !e.textContent.startsWith('Searching');
    }, null, { timeout: 120000 });
    const advice = await page.textContent(tid('advice'));
    check(/max size \d+ per pool|No pool size/.test(advice), `recommendation: ${advice.slice(0, 100)}`);

    // 8. wasm vs native speed on the README's benchmark scenario, M/M/10 at
    // rho 0.9 (examples/mm10.json), when the CLI is built.
    const bench = JSON.parse(await readFile(join(root, 'examples', 'mm10.json'), 'utf8'));
    await page.click('summary:has-text("Import scenario JSON")');
    await page.fill(tid('import-text'), JSON.stringify(bench));
    await page.click(tid('import-apply'));
    await page.click(tid('run'));
    const wasm = await waitForRun(page, bench.name, 120000);
    const wasmRate = wasm.events / wasm.worker * 1000;
    console.log(`METRIC benchmark_wasm_events_per_s=${wasmRate.toFixed(0)} (${wasm.events} events in ${wasm.worker.toFixed(0)} ms)`);
    if (existsSync(native)) {
      const file = join(artifacts, 'benchmark.json');
      await writeFile(file, JSON.stringify(bench));
      const t0 = process.hrtime.bigint();
      const out = spawnSync(native, ['run', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (out.status === 0) {
        const events = JSON.parse(out.stdout).events;
        const nativeRate = events / ms * 1000;
        console.log(`METRIC benchmark_native_events_per_s=${nativeRate.toFixed(0)} (${events} events in ${ms.toFixed(0)} ms, process included)`);
        console.log(`METRIC wasm_vs_native_speed=${(wasmRate / nativeRate).toFixed(2)}`);
      } else {
        console.log(`native CLI failed: ${out.stderr}`);
      }
    } else {
      console.log(`(no native CLI at ${native}: build it with cargo build --release -p poolcast-cli for the ratio)`);
    }

    // 9. Screenshot of a preset's results (a pool larger than the database's cores).
    await page.selectOption(tid('preset'), 'oversized');
    await waitForRun(page, "Pool larger than the database's cores: 4 x 20 on 8 cores");
    await page.click(tid('dismiss'));
    await page.screenshot({ path: join(artifacts, 'page.png') });
    if (screenshot) await page.screenshot({ path: screenshot });
    check(errors.length === 0, `no page errors or external requests${errors.length ? ': ' + errors.join('; ') : ''}`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().then(() => {
  console.log(`${passes} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}, (e) => {
  console.log(`FAIL ${e.stack || e}`);
  console.log(`${passes} passed, ${failures + 1} failed`);
  process.exit(1);
});
