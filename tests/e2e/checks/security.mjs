// What the page must never do: run injected code, keep a password, panic on
// a generated link or file, make a request off this machine.

import { axeNoise, check, readJson, tid, waitForRun } from '../lib.mjs';

/** A strict CSP, in force: no 'unsafe-inline', an injected inline script is
 * refused (and reported), Trunk's own loader and the worker run. */
export async function strictCsp({ page, newPage, base }) {
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
}

/** A DATABASE_URL fills fields and keeps no credentials. */
export async function databaseUrlKeepsNoPassword({ fresh }) {
  await fresh.fill(tid('env-text'), 'postgresql://u:hunter2@db.internal:5432/app?connection_limit=7&pool_timeout=3&connect_timeout=60');
  await fresh.click(tid('env-apply'));
  const envNotice = await fresh.textContent(tid('notices'));
  check((await fresh.inputValue(tid('f-pool-max-size'))) === '7'
    && (await fresh.inputValue(tid('f-pool-acquire-timeout-ms'))) === '3000', 'DATABASE_URL fills max size and timeout');
  check(/ignored: connect_timeout/.test(envNotice) && !envNotice.includes('hunter2'), 'it lists what it ignored, no password');
  check(!(await fresh.evaluate(() => location.hash + JSON.stringify(localStorage))).includes('hunter2'), 'no password in the link or storage');
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

/** Generated links and import files never panic the page: for every prefix
 * the page's link decoder reads, random, mutated and damaged fragments
 * through hashchange and at load, and generated files through the import
 * panel. Each is read or refused with a message. */
export async function generatedInputsNeverPanic({ page, newPage, base, errors, link, scenarioExport, reportExport, golden, bench }) {
  const g = generator(11);
  const prefixes = (await page.getAttribute('[data-link-prefixes]', 'data-link-prefixes')).split(' ').filter(Boolean);
  const samples = [JSON.parse(scenarioExport.text), golden, bench, await readJson('examples', 'crowded.json')];
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
    const s = structuredClone(g.pick([...samples, JSON.parse(reportExport.text)]));
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
}

/** No page errors, console errors or external requests in the whole run. */
export async function noErrors({ errors }) {
  const distinct = [...new Set(errors.map((e) => e.slice(0, 300)))];
  check(errors.length === 0, `no page errors, console errors or external requests${errors.length
    ? ` (${errors.length}): ${distinct.slice(0, 5).join('; ')}` : ''}`);
  console.log(`(axe-core's own inline styles refused by the CSP while it ran: ${axeNoise.length})`);
}
