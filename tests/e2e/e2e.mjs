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
//   node tests/e2e/e2e.mjs [--dist DIR] [--screenshot FILE]

import { createServer } from 'node:http';
import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, extname, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
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
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The whole site's transfer size budget, gzipped (issue #11: under 500 KB). */
const SITE_GZIP_BUDGET = 500_000;

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

/** Each file of the site gzipped (level 6, as servers do), and the total. */
async function siteSize(dir) {
  const files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
  const sizes = await Promise.all(files.map(async (f) => [f, gzipSync(await readFile(join(dir, f))).length]));
  return { sizes, total: sizes.reduce((a, [, n]) => a + n, 0) };
}

const axeRunning = new WeakSet();
const axeNoise = [];

/** axe-core on the page as it is: no serious or critical violation. */
async function axeCheck(page, what) {
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

/** A small seeded generator (mulberry32), so a failure reproduces. */
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n) => Math.floor(next() * n);
  const pick = (xs) => xs[below(xs.length)];
  const odd = () => pick([0, -1, 1, 0.5, 1e308, -1e308, 4294967296, null, true, '12', 'x'.repeat(below(2000)),
    [], {}, { kind: 'nope' }, { kind: 'uniform', min: 5, max: 1 }, 1e15, 100000]);
  /** One field somewhere scaled or replaced. */
  const nudge = (v) => {
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (!keys.length) return odd();
      const k = pick(keys);
      v[k] = nudge(v[k]);
      return v;
    }
    if (typeof v === 'number' && next() < 0.8) {
      const x = v * pick([0, 0.1, 0.5, 1.5, 2, 3, 10, 1000]);
      return Number.isInteger(v) ? Math.round(x) : x;
    }
    return odd();
  };
  /** Text with a little damage: cut, a character changed, junk put in. */
  const damage = (text) => {
    let t = text;
    const junk = ['%', '&', '=', '#', ' ', '+', '/', 'é', '\u{1F600}', '{', '"', '%zz'];
    for (let i = 0; i <= below(3); i++) {
      const at = below(t.length + 1);
      const op = below(3);
      if (op === 0) t = t.slice(0, at);
      else if (op === 1) t = t.slice(0, at) + pick(junk) + t.slice(at + 1);
      else t = t.slice(0, at) + pick(junk) + t.slice(at);
    }
    return t;
  };
  const bytes = (n) => Buffer.from(Array.from({ length: n }, () => below(256)));
  return { below, pick, nudge, damage, bytes };
}

/** Generated fragments for each link prefix: random text and bytes, scenarios
 * with a field scaled or replaced, damaged links. */
function generatedFragments(g, prefixes, scenarios, n) {
  const b64 = (x) => Buffer.from(x).toString('base64url');
  const out = [];
  for (const prefix of prefixes) {
    out.push(prefix, `${prefix}${b64('null')}`, `${prefix}${b64('['.repeat(5000))}`, `&&${prefix}&`);
    for (let i = 0; i < n; i++) {
      const s = structuredClone(g.pick(scenarios));
      for (let k = 0; k <= g.below(3); k++) g.nudge(s);
      const link = `${prefix}${b64(JSON.stringify(s))}`;
      out.push([
        () => `${prefix}${b64(g.bytes(g.below(200)))}`,
        () => link,
        () => g.damage(link),
        () => prefix + g.damage('ABCDEFGHIJKLMNOPQRSTUVWXYZ-_abc0123'.repeat(1 + g.below(5))),
      ][g.below(4)]());
    }
  }
  return out;
}

async function main() {
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`no ${dist}/index.html: build the site first`);
  await mkdir(artifacts, { recursive: true });
  const site = await siteSize(dist);
  console.log(`METRIC site_gzip_bytes=${site.total} (${site.sizes.map(([f, n]) => `${f} ${n}`).join(', ')})`);
  check(site.total < SITE_GZIP_BUDGET, `the site is ${(site.total / 1000).toFixed(1)} KB gzipped (budget ${SITE_GZIP_BUDGET / 1000} KB)`);
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
      if (m.type() === 'error') (axeRunning.has(page) ? axeNoise : into).push(`console: ${m.text()}`);
    });
    // Any request off this machine is a failure (the CSP should forbid them).
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) into.push(`external request ${u}`);
    });
    return page;
  };
  try {
    // 1. The default scenario runs by itself at load.
    const page = await newPage();
    await page.goto(base);
    const firstAt = await page.waitForFunction(() => document.querySelector('[data-testid="run-info"]')
      && performance.now(), null, { timeout: 60000 });
    console.log(`METRIC first_result_ms=${(await firstAt.jsonValue()).toFixed(0)} (from navigation to the first report shown)`);
    const first = await waitForRun(page, '4 instances x 20 vs max_connections 100');
    check(first.events > 0, `default scenario ran at load (${first.events} events)`);

    // 1b. A strict CSP, in force: no 'unsafe-inline', an injected inline
    // script is refused (and reported), Trunk's own loader and the worker run.
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    check(!csp.includes('unsafe-inline') && /script-src 'self' 'wasm-unsafe-eval' 'sha256-[^']+'/.test(csp)
      && /style-src 'self';/.test(csp), `strict CSP: ${csp.match(/script-src[^;]*/)[0].slice(0, 80)}...`);
    const probeErrors = [];
    const probe = await newPage(probeErrors);
    await probe.goto(base);
    await waitForRun(probe, '4 instances x 20 vs max_connections 100');
    const injected = await probe.evaluate(async () => {
      const seen = new Promise((ok) => document.addEventListener('securitypolicyviolation',
        (e) => ok(e.effectiveDirective), { once: true }));
      const el = document.createElement('script');
      el.textContent = 'window.inlineRan = true;';
      document.body.append(el);
      const styled = document.createElement('div');
      styled.setAttribute('style', 'width: 123px');
      document.body.append(styled);
      const directive = await Promise.race([seen, new Promise((ok) => setTimeout(() => ok(null), 3000))]);
      return { ran: window.inlineRan === true, directive, width: styled.getBoundingClientRect().width };
    });
    check(!injected.ran && /^script-src/.test(injected.directive || '') && injected.width !== 123,
      `the CSP is in force: an injected inline script and style are refused (${injected.directive})`);
    check(probeErrors.length > 0 && probeErrors.every((e) => /Content Security Policy/.test(e)),
      'the refusals are the only console errors of that page');
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
    await axeCheck(page, 'results');

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
    await page.evaluate(() => document.querySelectorAll('details:not(.menu)').forEach((d) => { d.open = true; }));
    await axeCheck(page, 'calculator_and_open_panels');

    // 7b. The sweep chart shows failures: serverless functions without a
    // proxy at pool sizes 2-4 fail most requests without ever waiting.
    await page.selectOption(tid('preset'), 'serverless');
    await waitForRun(page, 'Serverless without a proxy: 200 functions x connection_limit 1', 120000);
    await page.click(tid('sweep'));
    await page.waitForFunction(() => {
      const e = document.querySelector('[data-testid="sweep-progress"]');
      return e && /^(\d+) \/ \1 points/.test(e.textContent);
    }, null, { timeout: 180000 });
    const rows = await page.$$eval(`${tid('sweep-table')} tbody tr`, (trs) => trs.map((tr) => ({
      size: Number(tr.cells[0].textContent), failed: Number(tr.dataset.failureFraction), text: tr.textContent })));
    const crowded = rows.filter((r) => r.size >= 2 && r.size <= 4);
    check(crowded.length >= 2 && crowded.every((r) => r.failed > 0.5),
      `sweep table: sizes 2-4 fail ${crowded.map((r) => `${(100 * r.failed).toFixed(0)} %`).join(', ')} of requests`);
    const grey = await page.$eval(tid('chart-sweep'), (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 0x4d) < 8 && Math.abs(d[i + 1] - 0x4d) < 8 && Math.abs(d[i + 2] - 0x4d) < 8) n++;
      return n;
    });
    check(grey > 400, `the sweep chart draws the failure series (${grey} pixels in its colour)`);
    await page.locator(tid('chart-sweep')).screenshot({ path: join(artifacts, 'sweep.png') });

    // 8. wasm vs native speed on the README's benchmark scenario, M/M/10 at
    // rho 0.9 (examples/mm10.json), when the CLI is built.
    const bench = JSON.parse(await readFile(join(root, 'examples', 'mm10.json'), 'utf8'));
    await page.evaluate(() => document.querySelectorAll('details:not(.menu)').forEach((d) => { d.open = true; }));
    await page.fill(tid('import-text'), JSON.stringify(bench));
    await page.click(tid('import-apply'));
    // Three runs each, in the page and natively; the best of each is compared
    // (the first in-page run also pays for the browser's compiler tiers).
    const wasmRuns = [];
    for (let i = 0; i < 3; i++) {
      const before = i ? await page.$eval(tid('run-info'), (el) => el.dataset.roundtripMs) : null;
      await page.click(tid('run'));
      if (i) {
        await page.waitForFunction((b) => {
          const el = document.querySelector('[data-testid="run-info"]');
          return el && el.dataset.roundtripMs !== b && !document.querySelector('[data-testid="progress"]');
        }, before, { timeout: 120000 });
      }
      const w = await waitForRun(page, bench.name, 120000);
      wasmRuns.push(w.events / w.worker * 1000);
    }
    const wasm = await waitForRun(page, bench.name);
    const wasmRate = Math.max(...wasmRuns);
    console.log(`METRIC benchmark_wasm_events_per_s=${wasmRate.toFixed(0)} (best of ${wasmRuns.map((r) => (r / 1e6).toFixed(1)).join(', ')} M/s; ${wasm.events} events)`);
    if (existsSync(native)) {
      const file = join(artifacts, 'benchmark.json');
      await writeFile(file, JSON.stringify(bench));
      const nativeRuns = [];
      let events = 0;
      for (let i = 0; i < 3; i++) {
        const t0 = process.hrtime.bigint();
        const out = spawnSync(native, ['run', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (out.status !== 0) { console.log(`native CLI failed: ${out.stderr}`); break; }
        events = JSON.parse(out.stdout).events;
        nativeRuns.push(events / ms * 1000);
      }
      if (nativeRuns.length) {
        const nativeRate = Math.max(...nativeRuns);
        console.log(`METRIC benchmark_native_events_per_s=${nativeRate.toFixed(0)} (best of ${nativeRuns.map((r) => (r / 1e6).toFixed(1)).join(', ')} M/s; ${events} events, process included)`);
        console.log(`METRIC wasm_vs_native_speed=${(wasmRate / nativeRate).toFixed(2)}`);
      }
    } else {
      console.log(`(no native CLI at ${native}: build it with cargo build --release -p poolcast-cli for the ratio)`);
    }

    // 8b. The built worker (release, wasm-opt'd) gives the golden report:
    // the same numbers as the native run in tests/fixtures.
    const golden = JSON.parse(await readFile(join(root, 'tests', 'fixtures', 'mm10.scenario.json'), 'utf8'));
    await page.fill(tid('import-text'), JSON.stringify(golden));
    await page.click(tid('import-apply'));
    await page.click(tid('run'));
    await waitForRun(page, golden.name, 120000);
    const goldenReport = await download(page, fromMenu('export-report'));
    const want = await readFile(join(root, 'tests', 'fixtures', 'mm10.report.json'), 'utf8');
    check(JSON.stringify(JSON.parse(goldenReport.text)) === JSON.stringify(JSON.parse(want)),
      'the built worker reproduces the golden M/M/10 report');

    // 8c. Generated links and import files never panic the page: for every
    // prefix the page's link decoder reads, random, mutated and damaged
    // fragments through hashchange and at load, and generated files through
    // the import panel. Each is read or refused with a message.
    const g = generator(11);
    const prefixes = (await page.getAttribute('[data-link-prefixes]', 'data-link-prefixes')).split(' ').filter(Boolean);
    const samples = [JSON.parse(scen.text), golden, bench,
      JSON.parse(await readFile(join(root, 'examples', 'crowded.json'), 'utf8'))];
    const frags = generatedFragments(g, prefixes, samples, 150);
    const fuzzed = await newPage();
    await fuzzed.goto(base);
    await waitForRun(fuzzed, '4 instances x 20 vs max_connections 100');
    await fuzzed.evaluate(async (list) => {
      for (const [i, f] of list.entries()) {
        const changed = new Promise((ok) => { window.addEventListener('hashchange', ok, { once: true }); setTimeout(ok, 300); });
        location.hash = i % 2 ? f : `#${f}`;
        await changed;
      }
    }, frags);
    for (const f of frags.filter((_, i) => i % 60 === 7)) {
      const loaded = await newPage();
      await loaded.goto(`${base}#${f}`);
      await loaded.waitForSelector('[data-link-prefixes]');
      await loaded.close();
    }
    await fuzzed.click('summary:has-text("Import scenario JSON")');
    const texts = [];
    for (let i = 0; i < 80; i++) {
      const s = structuredClone(g.pick([...samples, JSON.parse(rep.text)]));
      for (let k = 0; k <= g.below(3); k++) g.nudge(s);
      texts.push([() => JSON.stringify(s), () => g.damage(JSON.stringify(s)), () => g.bytes(g.below(300)).toString('latin1')][g.below(3)]());
    }
    for (const [i, text] of texts.entries()) {
      if (i % 4 === 0) {
        await fuzzed.setInputFiles(tid('import-file'), { name: `gen-${i}.json`, mimeType: 'application/json', buffer: Buffer.from(text) });
        await fuzzed.waitForTimeout(40);
      } else {
        await fuzzed.fill(tid('import-text'), text);
        await fuzzed.click(tid('import-apply'));
      }
    }
    await fuzzed.evaluate((h) => { location.hash = h; }, new URL(link).hash);
    await waitForRun(fuzzed, "Pool larger than the database's cores: 4 x 20 on 8 cores", 120000);
    check(errors.length === 0, `${frags.length} generated links (prefixes ${prefixes.join(' ')}) and ${texts.length} generated imports: no panic, the page still works${errors.length ? ` (${errors.length} errors, first: ${errors[0].slice(0, 300)})` : ''}`);

    // 9. Screenshot of a preset's results (a pool larger than the database's cores).
    await page.selectOption(tid('preset'), 'oversized');
    await waitForRun(page, "Pool larger than the database's cores: 4 x 20 on 8 cores");
    await page.click(tid('dismiss'));
    await page.screenshot({ path: join(artifacts, 'page.png') });
    if (screenshot) await page.screenshot({ path: screenshot });
    const distinct = [...new Set(errors.map((e) => e.slice(0, 300)))];
    check(errors.length === 0, `no page errors, console errors or external requests${errors.length
      ? ` (${errors.length}): ${distinct.slice(0, 5).join('; ')}` : ''}`);
    console.log(`(axe-core's own inline styles refused by the CSP while it ran: ${axeNoise.length})`);
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
