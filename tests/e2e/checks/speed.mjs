// How fast the page answers: the first result, the default scenario's run
// time, and the engine in the page's worker against the native CLI.

import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { artifacts, check, native, openPanels, readJson, rerun, tid, waitForRun } from '../lib.mjs';

/** The default scenario runs by itself at load (this page serves the checks after it). */
export async function defaultRunsAtLoad(ctx) {
  const page = await ctx.newPage();
  ctx.page = page;
  await page.goto(ctx.base);
  const firstAt = await page.waitForFunction(() => document.querySelector('[data-testid="run-info"]')
    && performance.now(), null, { timeout: 60000 });
  console.log(`METRIC first_result_ms=${(await firstAt.jsonValue()).toFixed(0)} (from navigation to the first report shown)`);
  const first = await waitForRun(page, '4 instances x 20 vs max_connections 100');
  check(first.events > 0, `default scenario ran at load (${first.events} events)`);
}

/** Times the default scenario a few times through the Run button. */
export async function defaultRunTime({ page }) {
  const times = [];
  for (let i = 0; i < 3; i++) {
    await rerun(page, 60000);
    times.push(await page.$eval(tid('run-info'), (el) => ({
      roundtrip: Number(el.dataset.roundtripMs), worker: Number(el.dataset.workerMs), events: Number(el.dataset.events),
    })));
  }
  times.sort((a, b) => a.roundtrip - b.roundtrip);
  const median = times[1];
  console.log(`METRIC default_scenario_roundtrip_ms=${median.roundtrip.toFixed(1)} worker_ms=${median.worker.toFixed(1)} events=${median.events}`);
}

/**
 * The engine's speed on one scenario in the page's worker against the native
 * CLI (when built): `runs` runs each, the best of each compared (the first
 * in-page run also pays for the browser's compiler tiers). Prints METRIC
 * lines named after `label`.
 */
async function speed(page, scenario, label, runs) {
  await page.fill(tid('import-text'), JSON.stringify(scenario));
  await page.click(tid('import-apply'));
  const wasmRuns = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    if (i) await rerun(page, 120000);
    else await page.click(tid('run'));
    const w = await waitForRun(page, scenario.name, 120000);
    wasmRuns.push(w.events / w.worker * 1000);
  }
  const wasm = await waitForRun(page, scenario.name);
  const wasmRate = Math.max(...wasmRuns);
  console.log(`METRIC ${label}_wasm_events_per_s=${wasmRate.toFixed(0)} (best of ${wasmRuns.map((r) => (r / 1e6).toFixed(1)).join(', ')} M/s; ${wasm.events} events)`);
  if (!existsSync(native)) {
    console.log(`(no native CLI at ${native}: build it with cargo build --release -p poolcast-cli for the ratio)`);
    return;
  }
  const file = join(artifacts, `${label}.json`);
  await writeFile(file, JSON.stringify(scenario));
  const nativeRuns = [];
  let events = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const out = spawnSync(native, ['run', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (out.status !== 0) { console.log(`native CLI failed: ${out.stderr}`); return; }
    const report = JSON.parse(out.stdout);
    events = report.events;
    // Arrivals of the whole run, warm-up included, as the bench counts them.
    requests = report.requests.arrived * (scenario.duration_s + (scenario.warmup_s || 0)) / scenario.duration_s;
    nativeRuns.push(events / ms * 1000);
  }
  const nativeRate = Math.max(...nativeRuns);
  check(events === wasm.events, `${label}: the page and the CLI simulate the same ${events} events`);
  console.log(`METRIC ${label}_native_events_per_s=${nativeRate.toFixed(0)} (best of ${nativeRuns.map((r) => (r / 1e6).toFixed(1)).join(', ')} M/s; ${events} events, ${requests.toFixed(0)} requests, process included)`);
  console.log(`METRIC ${label === 'benchmark' ? 'wasm_vs_native_speed' : `${label}_wasm_vs_native`}=${(wasmRate / nativeRate).toFixed(2)}`);
  console.log(`METRIC ${label}_wasm_requests_per_s=${(wasmRate * requests / events).toFixed(0)}`);
}

/** wasm vs native speed on the README's benchmark scenario, M/M/10 at rho
 * 0.9 (examples/mm10.json), when the CLI is built; then the benchmark's
 * version-2 shapes and fleets (crates/poolcast/benches/cases), shorter. */
export async function wasmVsNative(ctx) {
  const { page } = ctx;
  await openPanels(page);
  ctx.bench = await readJson('examples', 'mm10.json');
  await speed(page, ctx.bench, 'benchmark', 3);
  for (const shape of ['proxy', 'serverless', 'closed']) {
    const sc = await readJson('crates', 'poolcast', 'benches', 'cases', `${shape}.json`);
    sc.name = `bench ${shape}`;
    sc.duration_s = 200;
    await speed(page, sc, `bench_${shape}`, 2);
  }
  // The fleets of issue #18 (10,000 instances, 10,000 functions, both
  // through the proxy at 100k requests/s), 20 s of each.
  for (const shape of ['fleet10k', 'functions10k']) {
    const sc = await readJson('crates', 'poolcast', 'benches', 'cases', `${shape}.json`);
    sc.name = `bench ${shape}`;
    sc.duration_s = 20;
    await speed(page, sc, `bench_${shape}`, 2);
  }
}
