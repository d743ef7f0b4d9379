// The search page in a real browser: instant results, keyboard, history,
// and the same without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSite } from './harness.mjs';

let site;
before(async () => { site = await startSite(); });
after(async () => { await site?.close(); });

test('typing a query shows results without a reload, and the URL follows', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.evaluate(() => { window.kbNoReload = true; });
  await page.locator('#q').pressSequentially('reset password', { delay: 30 });
  await page.locator('.results .result').first().waitFor();
  assert.equal(await page.evaluate(() => window.kbNoReload), true, 'the page was reloaded');
  assert.match(await page.locator('.results-count').innerText(), /for “reset password”/);
  assert.match(await page.locator('.results .result h2 a').first().innerText(), /reset your password/i);
  await page.waitForFunction(() => location.search.includes('q=reset+password'));
  assert.equal(await page.locator('.results mark').count() > 0, true, 'matches are highlighted');
  await page.close();
});

test('a typo is corrected and the page says so', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search`);
  await page.locator('#q').fill('pasword');
  await page.locator('.correction').waitFor();
  assert.match(await page.locator('.correction').innerText(), /Showing results for password/);
  await page.close();
});

test('the keyboard alone: "/" focuses, arrows move, Enter opens, Escape clears', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search?q=vpn`);
  await page.locator('body').click();
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q');
  await page.keyboard.type(' disconnect');
  await page.locator('.results .result h2 a').first().waitFor();
  // ArrowDown walks the suggestions (however many arrive), then the results.
  let focused = false;
  for (let i = 0; i < 15 && !focused; ++i) {
    await page.keyboard.press('ArrowDown');
    focused = await page.evaluate(() => document.activeElement.closest('.result') !== null);
  }
  assert.equal(focused, true, 'ArrowDown reaches the results');
  await Promise.all([page.waitForURL(/\/articles\//), page.keyboard.press('Enter')]);
  await page.goBack();
  await page.locator('#q').focus();
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#q').inputValue(), '');
  await page.close();
});

test('suggestions complete titles while typing', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('printer off', { delay: 40 });
  await page.locator('#kb-suggestions li').first().waitFor();
  assert.match(await page.locator('#kb-suggestions').innerText(), /Printer/i);
  await page.close();
});

test('a slow suggestion answer still shows: the search the same typing starts does not cancel it', async () => {
  const page = await site.browser.newPage();
  await page.route('**/api/suggest?*', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    await route.continue();
  });
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('printer off', { delay: 40 });
  await page.locator('.results .result h2 a').first().waitFor();
  await page.locator('#kb-suggestions li').first().waitFor({ timeout: 5000 });
  assert.match(await page.locator('#kb-suggestions').innerText(), /Printer/i);
  await page.close();
});

test('the back button returns to the previous query', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search?q=printer`);
  await page.locator('#q').fill('');
  await page.locator('#q').pressSequentially('wifi', { delay: 60 });
  await page.waitForTimeout(300);  // the typing has been remembered
  await page.locator('#q').press('Enter');
  await page.waitForFunction(() => location.search.includes('q=wifi'));
  await page.goBack();
  await page.waitForFunction(() => location.search.includes('q=printer'));
  assert.equal(await page.locator('#q').inputValue(), 'printer');
  await page.close();
});

test('without JavaScript the form still searches and pages through results', async () => {
  const context = await site.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${site.base}/`);
  await page.locator('#q').fill('password');
  await Promise.all([page.waitForURL(/\/search\?q=password/), page.locator('#q').press('Enter')]);
  assert.ok(await page.locator('.results .result').count() > 0);
  assert.match(await page.locator('.results-count').innerText(), /results for “password”/);
  await context.close();
});

test('instant results bring facet chips, and an empty result offers popular articles', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search`);
  await page.locator('#q').fill('password');
  await page.locator('.facets a').first().waitFor();
  assert.match(await page.locator('.facets').innerText(), /accounts/);
  await page.locator('#q').fill('qqqzzz');
  await page.locator('.popular a').first().waitFor();
  assert.ok(await page.locator('.still-stuck a').count() > 0, 'the ticket hand-off is offered');
  await page.close();
});
