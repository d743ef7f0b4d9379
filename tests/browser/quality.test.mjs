// Localised UI, accessibility (axe-core), screenshots and page weight.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSite } from './harness.mjs';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');

let site;
before(async () => { site = await startSite(); });
after(async () => { await site?.close(); });

test('Korean and Japanese UI strings, chosen by ?ui= and remembered', async () => {
  const context = await site.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${site.base}/?ui=ko`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'ko');
  assert.match(await page.locator('.search-form button').innerText(), /검색/);
  await page.goto(`${site.base}/articles/reset-password`);  // the cookie keeps Korean
  assert.equal(await page.locator('html').getAttribute('lang'), 'ko');
  assert.match(await page.locator('.meta time').innerText(), /년 .*월 .*일/);
  await page.goto(`${site.base}/search?q=vpn&ui=ja`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
  assert.match(await page.locator('.search-form button').innerText(), /検索/);
  await context.close();
  const japanese = await site.browser.newContext({ locale: 'ja-JP', extraHTTPHeaders: { 'Accept-Language': 'ja-JP,ja;q=0.9' } });
  const jaPage = await japanese.newPage();
  await jaPage.goto(`${site.base}/`);
  assert.equal(await jaPage.locator('html').getAttribute('lang'), 'ja');
  await japanese.close();
});

async function axe(page) {
  await page.addScriptTag({ path: axePath });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
}

test('axe-core finds no serious or critical violations', async () => {
  // Playwright injects axe past the page's CSP only in this test context.
  const context = await site.browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  const report = {};
  for (const path of ['/search?q=password', '/articles/slow-network-dns', '/tickets/new?q=vpn', '/']) {
    await page.goto(`${site.base}${path}`);
    const violations = await axe(page);
    report[path] = violations;
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad, [], `${path}: ${JSON.stringify(bad)}`);
  }
  writeFileSync(join(site.artifacts, 'axe.json'), JSON.stringify(report, null, 2));
  await context.close();
});

test('the thanks for a vote is a status region around a heading, with and without JavaScript', async () => {
  const context = await site.browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  const check = async (where) => {
    const roles = await axeRule(page, 'aria-allowed-role');
    assert.deepEqual(roles, [], `${where}: ${JSON.stringify(roles)}`);
    assert.equal(await page.locator('.feedback [role="status"] h2').innerText(), 'Thanks for your feedback.', where);
  };
  // The page a vote without the script leads to (the request of the
  // script's own vote fails: the plain form is sent).
  await page.route('**/api/feedback', (route) => route.fulfill({ status: 503, body: '' }));
  await page.goto(`${site.base}/articles/printer-offline`);
  await Promise.all([page.waitForURL(/voted=yes/), page.locator('.vote-form button[value="yes"]').click()]);
  await check('the page after a vote');
  await page.unroute('**/api/feedback');
  await page.goto(`${site.base}/articles/printer-offline`);
  // The region the thanks goes into is there before the vote: a region that
  // arrives with its text is not announced.
  await page.evaluate(() => { window.kbStatus = document.querySelector('.feedback [role="status"]'); });
  assert.equal(await page.evaluate(() => window.kbStatus !== null && window.kbStatus.textContent === ''), true);
  await page.locator('.vote-form button[value="no"]').click();
  await page.locator('.feedback textarea').waitFor();
  assert.equal(await page.evaluate(() => document.querySelector('.feedback [role="status"]') === window.kbStatus), true);
  await check('a vote sent by the script');
  await context.close();
});

/// The nodes that break one axe-core rule, as "selector: message".
async function axeRule(page, rule) {
  await page.addScriptTag({ path: axePath });
  return page.evaluate(async (id) => {
    const result = await window.axe.run(document, { runOnly: [id], resultTypes: ['violations'] });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`));
  }, rule);
}

test('screenshots at 360 px and 1280 px', async () => {
  for (const width of [360, 1280]) {
    const context = await site.browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    for (const [name, path] of [['search', '/search?q=printer'], ['article', '/articles/slow-network-dns'],
      ['ticket', '/tickets/new?q=vpn'], ['home', '/']]) {
      await page.goto(`${site.base}${path}`);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= width + 1, `${name} at ${width}px scrolls sideways (${scrollWidth}px)`);
      await page.screenshot({ path: join(site.artifacts, `${name}-${width}.png`), fullPage: false });
    }
    await context.close();
  }
});

test('at 320 px (400% zoom) no page scrolls sideways and the search button is whole, in every language', async () => {
  const context = await site.browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  for (const ui of ['en', 'ko', 'ja']) {
    for (const path of ['/', '/search?q=vpn', '/articles/vpn-cannot-connect', '/tickets/new?q=vpn']) {
      const url = `${site.base}${path}${path.includes('?') ? '&' : '?'}ui=${ui}`;
      await page.goto(url);
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        button: document.querySelector('.search-form button').getBoundingClientRect().right,
      }));
      assert.ok(layout.scrollWidth <= 320, `${path} (${ui}) is ${layout.scrollWidth}px wide`);
      assert.ok(layout.button <= 320, `${path} (${ui}): the search button ends at ${layout.button}px`);
    }
  }
  await page.screenshot({ path: join(site.artifacts, 'ticket-320-ja.png') });
  await context.close();
});

// The budget: 58.8 KB were spent before the pages learnt the languages'
// word order, names for categories and languages, prefixes while typing
// and the folded contents (62.3 KB with them); a few KB of room.
test('the search page weighs under 64 KB uncompressed', async () => {
  const page = await site.browser.newPage();
  let bytes = 0;
  const sizes = {};
  page.on('response', async (response) => {
    try {
      const body = await response.body();
      bytes += body.length;
      sizes[new URL(response.url()).pathname] = body.length;
    } catch (_) { /* redirects have no body */ }
  });
  await page.goto(`${site.base}/search?q=password`, { waitUntil: 'networkidle' });
  writeFileSync(join(site.artifacts, 'page-weight.json'), JSON.stringify({ total: bytes, sizes }, null, 2));
  assert.ok(bytes < 64 * 1024, `search page is ${bytes} bytes: ${JSON.stringify(sizes)}`);
  await page.close();
});
