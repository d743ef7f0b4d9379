// The search page in a real browser: instant results, keyboard, history,
// and the same without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSite } from './harness.mjs';

let site;
before(async () => { site = await startSite(); });
after(async () => { await site?.close(); });

/// A page whose /api/suggest answers arrive @p ms late: a slow line.
async function pageWithSlowSuggestions(ms) {
  const page = await site.browser.newPage();
  await page.route('**/api/suggest?*', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    await route.continue();
  });
  return page;
}

test('typing a query shows results without a reload, and the URL follows', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.evaluate(() => { window.kbNoReload = true; });
  await page.locator('#q').pressSequentially('reset password', { delay: 30 });
  // On a busy machine a pause between keys can outlast the debounce, so the
  // results of a prefix ("rese") may show first; wait for the whole query's.
  await page.locator('.search-results .results-count', { hasText: 'for “reset password”' }).waitFor();
  assert.equal(await page.evaluate(() => window.kbNoReload), true, 'the page was reloaded');
  assert.match(await page.locator('.search-results .result h2 a').first().innerText(), /reset your password/i);
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
  // "/" selects what the box held, so typing replaces it. The server's results
  // for "vpn" are already on the page: wait for the new ones.
  assert.equal(await page.locator('#q').inputValue(), ' disconnect');
  await page.locator('.results-count', { hasText: 'for “disconnect”' }).waitFor();
  // ArrowDown walks the suggestions (however many arrive), then the results.
  let focused = false;
  for (let i = 0; i < 15 && !focused; ++i) {
    await page.keyboard.press('ArrowDown');
    focused = await page.evaluate(() => document.activeElement.closest('.result') !== null);
  }
  assert.equal(focused, true, 'ArrowDown reaches the results');
  await Promise.all([page.waitForURL(/\/articles\//), page.keyboard.press('Enter')]);
  await page.goBack();
  // The list closed when the box lost focus to the results.
  await page.locator('#kb-suggestions').waitFor({ state: 'hidden' });
  await page.locator('#q').focus();
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#q').inputValue(), '');
  // Its results and address go with it.
  await page.waitForFunction(() => !new URLSearchParams(location.search).get('q'));
  assert.equal(await page.locator('.search-results .result').count(), 0);
  await page.close();
});

for (const start of ['/', '/search']) {
  test(`on ${start}, one Escape closes the open list and nothing else; the next clears`, async () => {
    const page = await site.browser.newPage();
    await page.goto(`${site.base}${start}`);
    await page.locator('#q').pressSequentially('printer off', { delay: 40 });
    await page.locator('#kb-suggestions li').first().waitFor();
    await page.locator('.results-count', { hasText: 'printer off' }).waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#kb-suggestions').isHidden(), true);
    await page.waitForTimeout(400);  // what a cleared box would set off (debounce, search) has happened
    assert.equal(await page.locator('#q').inputValue(), 'printer off');
    assert.ok(await page.locator('.search-results .result').count() > 0, 'the results stay');
    assert.equal(new URL(page.url()).searchParams.get('q'), 'printer off');
    assert.equal(await page.locator('#kb-suggestions').isHidden(), true, 'the list stays closed');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#q').inputValue(), '');
    await page.waitForFunction(() => !new URLSearchParams(location.search).get('q'));
    assert.equal(await page.locator('.search-results .result').count(), 0);
    await page.close();
  });
}

test('Escape on a result title goes back to the box and keeps the query', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search?q=printer`);
  await page.locator('#q').focus();
  const focusedResult = () => page.evaluate(() =>
    [...document.querySelectorAll('.search-results .result h2 a')].indexOf(document.activeElement));
  for (let i = 0; i < 15 && (await focusedResult()) < 0; ++i) await page.keyboard.press('ArrowDown');
  assert.equal(await focusedResult(), 0);
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q');
  await page.waitForTimeout(400);
  assert.equal(await page.locator('#q').inputValue(), 'printer');
  assert.ok(await page.locator('.search-results .result').count() > 0, 'the results stay');
  assert.equal(new URL(page.url()).searchParams.get('q'), 'printer');
  await page.close();
});

test('instant results update the one live region that was there from the start', async () => {
  const page = await site.browser.newPage();
  const liveRegions = () => page.$$eval('main [aria-live], main [role="status"], main [role="alert"], main output',
    (nodes) => nodes.length);
  for (const start of ['/search?q=printer', '/']) {
    await page.goto(`${site.base}${start}`);
    assert.equal(await liveRegions(), 1, `${start}: one live region on load`);
    await page.evaluate(() => {
      window.kbLive = document.querySelector('main [aria-live], main [role="status"]');
      window.kbHeading = document.getElementById('results-title');
    });
    for (const query of ['vpn', 'printer offline']) {
      await page.locator('#q').fill(query);
      await page.locator('.results-count', { hasText: `for “${query}”` }).waitFor();
      assert.equal(await liveRegions(), 1, `${start}, ${query}: still one live region`);
      assert.equal(await page.evaluate(() => document.querySelector('main [aria-live], main [role="status"]') === window.kbLive),
        true, `${start}, ${query}: the live region was replaced`);
      assert.match(await page.evaluate(() => window.kbLive.textContent), new RegExp(`for “${query}”`));
      // The heading is kept too: the results section is labelled by it.
      await page.evaluate(() => { window.kbHeading ??= document.getElementById('results-title'); });
      assert.equal(await page.evaluate(() => document.getElementById('results-title') === window.kbHeading), true);
    }
    // Emptied, the home page comes back; the region stays for the next query.
    await page.locator('#q').fill('');
    await page.waitForFunction(() => !new URLSearchParams(location.search).get('q'));
    assert.equal(await page.evaluate(() => window.kbLive.isConnected), true);
  }
  await page.close();
});

test('Back to a later page, or to the words as typed, shows that page again', async () => {
  const page = await site.browser.newPage();
  const shown = () => page.$$eval('.search-results .result h2 a', (links) => links.map((a) => new URL(a.href).pathname));
  const heading = async () => (await page.locator('.results-count').innerText()).replace(/\s+/g, ' ').trim();
  for (const start of ['/search?q=the&page=2', '/search?q=pasword&as_typed=1', '/search?q=pasword+reset&as_typed=1&page=2']) {
    await page.goto(`${site.base}${start}`);
    const servedResults = await shown();
    const servedHeading = await heading();
    await page.locator('#q').fill('vpn');
    await page.locator('.results-count', { hasText: 'for “vpn”' }).waitFor();
    await page.locator('#q').press('Enter');
    await page.goBack();
    await page.waitForFunction((search) => location.search === search, new URL(start, site.base).search);
    await page.waitForFunction((expected) => {
      const count = document.querySelector('.results-count');
      return count && count.textContent.replace(/\s+/g, ' ').trim() === expected;
    }, servedHeading, { timeout: 5000 }).catch(() => {});
    assert.equal(await heading(), servedHeading, start);
    assert.deepEqual(await shown(), servedResults, start);
  }
  await page.close();
});

/// WCAG contrast ratio of two computed colours ("rgb(r, g, b)").
function contrast(a, b) {
  const luminance = (css) => {
    const [r, g, bl] = css.match(/[\d.]+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test('the highlighted suggestion stands out from the list (3:1) in light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const context = await site.browser.newContext({ colorScheme });
    const page = await context.newPage();
    await page.goto(`${site.base}/`);
    // One input event: one answer, so no later list replaces the highlighted one.
    await page.locator('#q').fill('printer off');
    await page.locator('#kb-suggestions li').first().waitFor();
    await page.keyboard.press('ArrowDown');
    await page.locator('#kb-suggestions li[aria-selected="true"]').waitFor();
    const colours = await page.evaluate(() => {
      const list = document.getElementById('kb-suggestions');
      const chosen = list.querySelector('li[aria-selected="true"]');
      const other = document.createElement('li');  // an item not highlighted
      list.append(other);
      const style = (node) => getComputedStyle(node);
      const result = { list: style(list).backgroundColor, chosen: style(chosen).backgroundColor,
        text: style(chosen).color, plain: style(other).backgroundColor };
      other.remove();
      return result;
    });
    assert.equal(colours.plain, 'rgba(0, 0, 0, 0)', 'an item not highlighted shows the list');
    assert.ok(contrast(colours.chosen, colours.list) >= 3, `${colorScheme}: ${JSON.stringify(colours)}`);
    assert.ok(contrast(colours.text, colours.chosen) >= 4.5, `${colorScheme}: ${JSON.stringify(colours)}`);
    await context.close();
  }
});

test('suggestions complete titles while typing', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('printer off', { delay: 40 });
  await page.locator('#kb-suggestions li').first().waitFor();
  assert.match(await page.locator('#kb-suggestions').innerText(), /Printer/i);
  await page.close();
});

test('a language filter holds for suggestions too', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search?q=vpn&lang=ja`);
  await page.locator('#q').fill('');
  await page.locator('#q').pressSequentially('vp', { delay: 40 });
  await page.locator('#kb-suggestions li').first().waitFor();
  const offered = await page.locator('#kb-suggestions li[data-kind="article"]').allInnerTexts();
  assert.ok(offered.length > 0 && offered.every((title) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(title)), offered.join(' | '));
  await page.close();
});

test('a slow suggestion answer still shows: the search the same typing starts does not cancel it', async () => {
  const page = await pageWithSlowSuggestions(400);
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('printer off', { delay: 40 });
  await page.locator('.search-results .result h2 a').first().waitFor();
  await page.locator('#kb-suggestions li').first().waitFor({ timeout: 15000 });
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
  assert.ok(await page.locator('.search-results .result').count() > 0);
  assert.match(await page.locator('.results-count').innerText(), /results for “password”/);
  await context.close();
});

test('instant results bring facet chips, and an empty result offers popular articles', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search`);
  await page.locator('#q').fill('password');
  await page.locator('.facets a').first().waitFor();
  assert.match(await page.locator('.facets').innerText(), /Accounts/);  // its name, not its code
  await page.locator('#q').fill('qqqzzz');
  await page.locator('.popular a').first().waitFor();
  assert.ok(await page.locator('.still-stuck a').count() > 0, 'the ticket hand-off is offered');
  await page.close();
});

test('Enter searches what was typed once the list it highlighted in has changed', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('pa', { delay: 40 });
  await page.locator('#kb-suggestions li').first().waitFor();
  await page.keyboard.press('ArrowDown');
  const answered = page.waitForResponse((r) => r.url().includes('/api/suggest') && r.url().includes('rese'));
  await page.locator('#q').pressSequentially('ssword rese', { delay: 40 });
  await answered;
  await page.waitForTimeout(100);  // rendered
  assert.equal(await page.locator('#q').getAttribute('aria-activedescendant'), null);
  await page.keyboard.press('Enter');
  await page.locator('.results-count').filter({ hasText: 'password rese' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/search');
  await page.close();
});

test('"More results" twice in a row adds the next page once, in order', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('the', { delay: 40 });
  // The answer for the whole word: on a slow machine the one for "th" may
  // show first with its own button, and the answer for "the" then
  // replaces the page that button added.
  await page.locator('.search-results .results-count', { hasText: '“the”' }).waitFor();
  await page.locator('.more-results').waitFor();
  await page.locator('.more-results').dblclick();
  await page.waitForFunction(() => document.querySelectorAll('.search-results .result').length >= 20);
  await page.waitForTimeout(300);  // a second page, if one was asked for, has arrived
  const shown = await page.$$eval('.search-results .result h2 a', (links) => links.map((a) => new URL(a.href).pathname));
  const expected = [];
  for (const n of [1, 2]) {
    const data = await (await page.request.get(`${site.base}/api/search?q=the&page=${n}`)).json();
    expected.push(...data.results.map((r) => r.url));
  }
  assert.deepEqual(shown, expected);
  // The added page's links still carry the search's id, ranked on from 11:
  // a click there counts for this search, not as a direct visit.
  const attribution = await page.$$eval('.search-results .result h2 a', (links) => links.map((a) => {
    const params = new URL(a.href).searchParams;
    return [params.get('sid'), params.get('rank')];
  }));
  const sid = attribution[0][0];
  assert.ok(sid, 'the first result carries the search id');
  assert.deepEqual(attribution, attribution.map((_, i) => [sid, String(i + 1)]));
  // So do the facet links of this query.
  const facet = await page.locator('.facets a').first().getAttribute('href');
  assert.equal(new URL(facet, site.base).searchParams.get('sid'), sid);
  await page.close();
});

test('when the search answer is refused, Enter loads the results page instead of doing nothing', async () => {
  const page = await site.browser.newPage();
  await page.route('**/api/search?*', (route) => route.fulfill({ status: 429, contentType: 'application/json', body: '{}' }));
  await page.goto(`${site.base}/`);
  await page.locator('#q').fill('vpn');
  await page.locator('#q').press('Enter');
  await page.locator('.search-results .result').first().waitFor({ timeout: 15000 });
  assert.match(page.url(), /\/search\?q=vpn/);
  await page.close();
});

test('after Enter, a suggestion answer still on its way does not open the list over the results', async () => {
  const page = await pageWithSlowSuggestions(400);
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('vpn', { delay: 30 });
  await page.waitForTimeout(120);  // the suggestion request has left
  await page.locator('#q').press('Enter');
  await page.locator('.search-results .result').first().waitFor();
  await page.waitForTimeout(700);
  assert.equal(await page.locator('#kb-suggestions').isHidden(), true);
  assert.equal(await page.locator('#q').getAttribute('aria-expanded'), 'false');
  await page.close();
});

test('Back to the home page, or an emptied box, shows the home page again', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('vpn', { delay: 30 });
  await page.locator('.search-results .result').first().waitFor();
  assert.equal(await page.locator('.hero').isHidden(), true);
  await page.goBack();
  await page.locator('.hero').waitFor();
  assert.equal(await page.locator('.search-results').count(), 0);
  await page.locator('#q').pressSequentially('printer', { delay: 30 });
  await page.locator('.search-results .result').first().waitFor();
  await page.locator('#q').fill('');
  await page.locator('.hero').waitFor();
  assert.equal(await page.locator('.search-results').count(), 0);
  await page.waitForFunction(() => location.pathname === '/');
  await page.close();
});

test('filters still in force after typing are shown, with the way to clear them', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search?q=password&category=accounts`);
  await page.locator('#q').fill('');
  await page.locator('#q').pressSequentially('mail', { delay: 30 });
  await page.locator('.results-count').filter({ hasText: 'mail' }).waitFor();
  assert.match(await page.locator('.search-results').innerText(), /Clear filters/);
  const active = page.locator('.facets a[aria-current="true"]');
  assert.equal(await active.innerText(), 'Accounts');
  // The active facet takes itself off; the others keep it.
  assert.equal(new URL(await active.getAttribute('href'), site.base).searchParams.get('category'), null);
  const tag = page.locator('.facets a[href*="tag="]:not([aria-current])').first();
  assert.equal(new URL(await tag.getAttribute('href'), site.base).searchParams.get('category'), 'accounts');
  await page.close();
});

test('ArrowDown from the first result goes to the second, though the suggestions above have closed', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search?q=printer`);
  await page.locator('#q').fill('');
  await page.locator('#q').pressSequentially('printer off', { delay: 40 });
  await page.locator('#kb-suggestions li').first().waitFor();
  await page.locator('.results-count').filter({ hasText: 'printer off' }).waitFor();
  const focusedResult = () => page.evaluate(() =>
    [...document.querySelectorAll('.search-results .result h2 a')].indexOf(document.activeElement));
  for (let i = 0; i < 15 && (await focusedResult()) < 0; ++i) await page.keyboard.press('ArrowDown');
  assert.equal(await focusedResult(), 0);
  await page.waitForTimeout(300);  // the box has lost focus: its list closes
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedResult(), 1);
  await page.close();
});

test('arrows elsewhere on the page scroll it; the tab title and the count follow the query', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('pasword', { delay: 40 });
  // The count names the corrected words whose results are shown.
  await page.locator('.search-results .results-count', { hasText: 'for “password”' }).waitFor();
  await page.waitForFunction(() => document.title.startsWith('pasword – Search · '));
  // From the ticket link at the foot of the results, ArrowDown is the page's.
  const ticket = page.locator('.still-stuck a');
  await ticket.focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.closest('.still-stuck') !== null), true,
    'ArrowDown outside the box and the result titles moved the focus');
  await page.close();
});

test('"More results" by keyboard goes on at the first new result', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('the', { delay: 40 });
  // The answer for the whole word: the ones for "t" and "th" (prefixes
  // while typing) may have their own "More results" and come in later.
  await page.locator('.search-results .results-count', { hasText: '“the”' }).waitFor();
  await page.locator('.more-results').waitFor();
  const before = await page.locator('.search-results .result').count();
  await page.locator('.more-results').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('.search-results .result').length > n, before);
  await page.waitForFunction((n) => {
    const results = [...document.querySelectorAll('.search-results .result')];
    return results.indexOf(document.activeElement.closest('.result')) === n;
  }, before);
  await page.close();
});

test('results drawn while typing read like the server\'s: category link and date in the page\'s language', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search?q=printer`);
  const served = await page.locator('.search-results .result .meta').first().innerHTML();
  assert.match(served, /<a href="\/search\?q=&amp;category=[^"]+">[^<]+<\/a> · <time datetime="\d{4}-\d{2}-\d{2}">[A-Z][a-z]{2} \d{1,2}, \d{4}<\/time>/);
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('printer', { delay: 40 });
  await page.locator('.search-results .results-count', { hasText: 'for “printer”' }).waitFor();
  const drawn = await page.locator('.search-results .result .meta').first().innerHTML();
  const normalise = (html) => html.replaceAll('+', '%20');
  assert.equal(normalise(drawn), normalise(served));
  await page.close();
});

test('a long message pasted in Japanese still searches: its start, as much as an address carries', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search`);
  // 2,100 characters, about 19 KB once encoded: over the server's 8 KB request line.
  const pasted = 'プリンターがオフラインです。'.repeat(150);
  await page.locator('#q').fill(pasted);
  await page.locator('#q').press('Enter');
  await page.locator('.search-results .results-count').waitFor();
  await page.waitForFunction(() => location.search.includes('q='));
  const address = await page.evaluate(() => location.href.length);
  assert.ok(address < 8000, `the address is ${address} bytes`);
  await page.close();
});

test('while typing, the last word counts as the start of a word, as in the suggestions', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/search`);
  await page.locator('#q').pressSequentially('bluet', { delay: 30 });
  await page.locator('.results-count', { hasText: '“bluet”' }).waitFor({ timeout: 10000 });
  assert.match(await page.locator('.search-results .result h2 a').first().innerText(), /Bluetooth/);
  assert.equal(await page.locator('.search-results .correction').count(), 0, 'a word still being typed is not corrected');
  await page.close();
});

test('a suggestion in another language than the page says which', async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/`);
  await page.locator('#q').pressSequentially('비밀', { delay: 40 });
  const item = page.locator('#kb-suggestions li[data-kind="article"]').first();
  await item.waitFor();
  assert.match(await item.innerText(), /비밀번호/);
  assert.equal(await item.getAttribute('lang'), 'ko');
  await page.close();
});

test('instant results in Korean and Japanese: counters after the number, their punctuation, names not codes', async () => {
  const context = await site.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${site.base}/?ui=ko`);
  await page.locator('#q').fill('vpn');
  const heading = page.locator('.search-results .results-count');
  await heading.filter({ hasText: 'vpn' }).waitFor();
  assert.match(await heading.innerText(), /결과 \d+건/);
  // The groups in order: categories, tags (as written), languages.
  const [categories, , languages] = await page.$$eval('.facets ul',
    (lists) => lists.map((ul) => [...ul.querySelectorAll('a')].map((a) => a.textContent)));
  assert.ok(categories.includes('원격 접속') && !categories.includes('remote-access'), categories.join(' | '));
  assert.ok(languages.includes('한국어') && !languages.includes('ko'), languages.join(' | '));
  assert.match(await page.locator('.search-results .result .meta a').first().innerText(), /^[^a-z]+$/);
  await page.goto(`${site.base}/search?ui=ja`);
  await page.locator('#q').fill('pasword');
  const notice = page.locator('.search-results .correction');
  await notice.waitFor();
  const text = await notice.innerText();
  assert.match(text, /password/);
  assert.doesNotMatch(text, /[.?]/, text);
  assert.doesNotMatch(await page.locator('.search-results .results-count').innerText(), /\d 件/);
  await context.close();
});
