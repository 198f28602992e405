// Files in and out: the exports download real files, an import with an
// unknown field is refused by name, the built worker's report is golden.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { check, download, fromMenu, readJson, root, tid, waitForRun } from '../lib.mjs';

/** Exports download real files; an import with an unknown field is refused by name. */
export async function exportsAndImport(ctx) {
  const { page, fresh } = ctx;
  const scen = await download(page, fromMenu(page, 'export-scenario'));
  ctx.scenarioExport = scen;
  check(JSON.parse(scen.text).database.cores === 8, `scenario JSON export (${scen.name})`);
  const csv = await download(page, fromMenu(page, 'export-csv'));
  check(csv.text.startsWith('t_s,arrivals,waiting,busy') && csv.text.split('\n').length > 100, `timeline CSV export (${csv.name})`);
  const rep = await download(page, fromMenu(page, 'export-report'));
  ctx.reportExport = rep;
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
}

/** The built worker (release, wasm-opt'd) gives the golden report: the same
 * numbers as the native run in tests/fixtures. */
export async function builtWorkerIsGolden(ctx) {
  const { page } = ctx;
  const golden = await readJson('tests', 'fixtures', 'mm10.scenario.json');
  ctx.golden = golden;
  await page.fill(tid('import-text'), JSON.stringify(golden));
  await page.click(tid('import-apply'));
  await page.click(tid('run'));
  await waitForRun(page, golden.name, 120000);
  const goldenReport = await download(page, fromMenu(page, 'export-report'));
  const want = await readFile(join(root, 'tests', 'fixtures', 'mm10.report.json'), 'utf8');
  check(JSON.stringify(JSON.parse(goldenReport.text)) === JSON.stringify(JSON.parse(want)),
    'the built worker reproduces the golden M/M/10 report');
}
