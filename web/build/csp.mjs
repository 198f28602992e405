// Trunk post_build hook: lets the page's own inline scripts run under a CSP
// without 'unsafe-inline'.
//
// Trunk writes its wasm loader into index.html as an inline module script
// (and `trunk serve` adds an autoreload one). Their text is only known once
// Trunk has written the staged index.html, so this hook reads it, hashes
// every inline <script> (sha256 of its exact text, as the browser does) and
// adds the hashes to the script-src of the Content-Security-Policy <meta>.
// It refuses to run on a policy that allows 'unsafe-inline' or has no
// script-src, so a strict policy cannot silently be weakened.
//
// Inline styles are refused too, with one exact exception: in the browser
// plotters (0.3.7, src/style/font/web.rs) measures chart text with a
// <span> it styles through setAttribute("style", ...). Those style texts,
// one per font size poolcast-charts uses (common.rs: LABEL_SIZE 13,
// DESC_SIZE 14, CAPTION_SIZE 17; family FONT, sans-serif), are allowed by
// hash in style-src-attr with 'unsafe-hashes', which permits exactly these
// strings and nothing else. If the sizes change, the end-to-end test sees
// the CSP refusals in the console and fails.
//
//   node web/build/csp.mjs [FILE]   (FILE defaults to $TRUNK_STAGING_DIR/index.html)

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const file = process.argv[2] || join(process.env.TRUNK_STAGING_DIR || 'dist', 'index.html');
const html = readFileSync(file, 'utf8');

const fail = (why) => {
  console.error(`csp.mjs: ${file}: ${why}`);
  process.exit(1);
};

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const plottersTextStyles = [13, 14, 17].map((px) =>
  `display: inline-block; font-family:sans-serif; font-style:normal; font-size: ${px}px; position: fixed; top: 100%`);

const hashes = [];
for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
  if (/\bsrc\s*=/i.test(m[1])) continue;
  hashes.push(sha256(m[2]));
}

const meta = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")/i;
const found = html.match(meta);
if (!found) fail('no Content-Security-Policy <meta> to add the hashes to');
const directives = found[2].split(';').map((d) => d.trim()).filter(Boolean);
if (directives.some((d) => d.includes("'unsafe-inline'"))) fail("the policy allows 'unsafe-inline'");
const i = directives.findIndex((d) => d.split(/\s+/)[0] === 'script-src');
if (i < 0) fail('the policy has no script-src');
const have = new Set(directives[i].split(/\s+/));
directives[i] = [directives[i], ...[...new Set(hashes)].filter((h) => !have.has(h))].join(' ');
if (!directives.some((d) => d.startsWith('style-src-attr'))) {
  directives.push(["style-src-attr 'unsafe-hashes'", ...plottersTextStyles.map(sha256)].join(' '));
}
writeFileSync(file, html.replace(meta, `$1${directives.join('; ')}$3`));
console.log(`csp.mjs: ${hashes.length} inline script(s) hashed into script-src, `
  + `${plottersTextStyles.length} chart text styles into style-src-attr`);
