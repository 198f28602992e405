// The form: services, a proxy and events built by hand, a long run
// cancelled, a calibration paste.

import { join } from 'node:path';
import { check, docs, inked, label, pixelsNear, tid, waitForDone } from '../lib.mjs';

/** A long run shows progress and can be cancelled; the page stays responsive. */
export async function longRunCancels({ fresh }) {
  await fresh.click('[data-testid="advanced"] summary');
  await fresh.fill(tid('f-duration-s'), '100000');
  await fresh.click(tid('run'));
  await fresh.waitForSelector(tid('progress'), { timeout: 10000 });
  const typed = await fresh.evaluate(() => { const t = performance.now(); return new Promise((ok) => setTimeout(() => ok(performance.now() - t), 50)); });
  check(typed < 500, `the page stays responsive during a run (a 50 ms timer fired after ${typed.toFixed(0)} ms)`);
  await fresh.click(tid('cancel'));
  await fresh.waitForSelector(tid('progress'), { state: 'detached', timeout: 5000 });
  check((await fresh.textContent(tid('notices'))).includes('Run cancelled'), 'Cancel stops the run');
}

/** Two services, one through PgBouncer, built in the form; a restart on the charts. */
export async function servicesProxyAndEvents({ newPage, base }) {
  const page = await newPage();
  await page.goto(base);
  await waitForDone(page);
  await page.click(tid('add-service'));
  await page.fill(tid('f-service-name'), 'reports');
  await page.click(tid('f-proxy'));
  await page.selectOption(tid('f-route'), 'proxy');
  await page.fill(tid('f-proxy-default-pool-size'), '8');
  await page.fill(tid('f-workload-rate-per-s'), '120');
  check((await page.textContent(tid('service-tab-1'))).includes('reports'), 'v2 form: a second service, renamed');
  await page.waitForFunction(() => /8 server\/db/.test(document.querySelector('[data-testid="topology"]')?.getAttribute('aria-label') || ''));
  await waitForDone(page);
  await page.waitForFunction(() => /peak \d+ of 97/.test(document.querySelector('[data-testid="topology"]').getAttribute('aria-label')));
  const topo = await label(page, 'topology');
  const peak = (await page.textContent(`${tid('card-peak')} .card-value`)).trim();
  check(topo.includes('app, 4 inst × 1 pool × 20') && topo.includes('reports, 2 inst × 1 pool × 5')
    && topo.includes('PgBouncer (transaction), ≤ 1000 clients · 8 server/db'),
  `the topology names both services and the proxy: ${topo}`);
  check(topo.includes(`primary, limit 97 (100 − 3 reserved), peak ${peak.split(' / ')[0]} of 97`),
    `the topology's peak matches the card (${peak})`);
  const proxyCard = await page.textContent(tid('card-proxy'));
  check(/wait at the proxy p99/.test(proxyCard), 'a card for the wait at the proxy');
  check((await page.$(tid('chart-proxy-waiting'))) !== null, 'a chart of the waiting at the proxy');
  // A click on the topology's database opens its fields.
  const box = await page.$eval(tid('topology'), (c) => ({ w: c.clientWidth }));
  await page.click(tid('topology'), { position: { x: box.w - 60, y: 60 } });
  await page.waitForFunction(() => document.activeElement?.id === 'f-database-max-connections', null, { timeout: 5000 });
  check(true, 'clicking the database in the topology focuses max_connections');
  // An event: its marker on every time chart, and the strip.
  await page.click(tid('add-event-db_restart'));
  await page.fill(tid('f-events-0-at-s'), '100');
  await waitForDone(page);
  await page.waitForFunction(() => document.querySelector('[data-testid="chart-connections"]')?.dataset.markers === '1');
  const markers = await page.$$eval('.results canvas[data-markers]', (cs) => cs.map((c) => [c.dataset.testid, c.dataset.markers]));
  check(markers.length >= 5 && markers.every(([, n]) => n === '1'), `the restart's marker on every chart: ${JSON.stringify(markers)}`);
  const strip = await inked(page, 'events');
  check(strip.n > strip.total / 100, 'the events strip is drawn');
  // The restart window is shaded on the connections chart: sample its pixels.
  const shaded = await pixelsNear(page, 'chart-connections', [0xFB, 0xE9, 0xE3], [6, 10, 10]);
  check(shaded > 100, `the event's window is shaded on the chart (${shaded} pixels)`);
  const verdict = await page.textContent(tid('verdict'));
  check(verdict.length > 20, `v2 verdict: ${verdict.slice(0, 120)}`);
  await page.close();
}

const SHOW_POOLS = ` database  |   user    | cl_active | cl_waiting | sv_active | sv_idle | sv_used | sv_tested | sv_login | maxwait | maxwait_us |  pool_mode
-----------+-----------+-----------+------------+-----------+---------+---------+-----------+----------+---------+------------+-------------
 mega      | app       |       118 |          4 |        20 |       0 |       0 |         0 |        0 |       0 |      12500 | transaction
 pgbouncer | pgbouncer |         1 |          0 |         0 |       0 |       0 |         0 |        0 |       0 |          0 | statement
(2 rows)`;
const SHOW_STATS = ` database  | total_xact_count | total_query_count | avg_xact_count | avg_query_count | avg_xact_time | avg_query_time | avg_wait_time
-----------+------------------+-------------------+----------------+-----------------+---------------+----------------+---------------
 mega      |          9120331 |           9120331 |            600 |             600 |         13390 |          13201 |           870
(1 row)`;

/** PgBouncer's SHOW POOLS / SHOW STATS fill the fields; the measured wait sits beside the simulated one. */
export async function calibrationPaste({ newPage, base }) {
  const page = await newPage();
  await page.goto(`${base}#example=mega-directory`);
  await waitForDone(page);
  await page.fill(tid('env-text'), `${SHOW_POOLS}\n\n${SHOW_STATS}`);
  await page.click(tid('env-apply'));
  const notice = await page.textContent(tid('notices'));
  check(/avg_xact_count 600\/s → services\.1\.workload\.rate_per_s = 600/.test(notice)
    && /avg_xact_time 13\.390 ms → services\.1\.workload\.query_ms/.test(notice), 'SHOW STATS fills the proxied service');
  check(/SHOW POOLS \(mega\): 122 clients \(4 waiting\), 20 server connections/.test(notice), 'SHOW POOLS is read');
  await page.click(tid('service-tab-1'));
  check((await page.inputValue(tid('f-workload-rate-per-s'))) === '600', 'the functions\' rate field is filled');
  await page.waitForSelector(tid('measured'), { timeout: 60000 });
  await waitForDone(page);
  const measured = await page.textContent(tid('measured'));
  check(/measured 0\.87 ms \(avg_wait_time\), simulated .* mean wait at the proxy/.test(measured), `measured beside simulated: ${measured.slice(0, 160)}`);
  if (docs) await page.screenshot({ path: join(docs, 'calibration.png') });
  await page.fill(tid('env-text'), SHOW_STATS.replace('13390', '13.3.9'));
  await page.click(tid('env-apply'));
  const bad = await page.textContent(tid('notices'));
  check(/nothing was applied/.test(bad) && /avg_xact_time/.test(bad) && /13\.3\.9/.test(bad), 'a malformed paste is named and nothing applied');
  check((await page.inputValue(tid('f-workload-rate-per-s'))) === '600', 'the form is unchanged after it');
  await page.close();
}
