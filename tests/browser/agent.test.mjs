// The agent view in a real browser: the copy buttons put the link, the
// Markdown link or the section's text on the clipboard, and each copy is
// counted for the article.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSite, ADMIN_TOKEN, AGENT_TOKEN } from './harness.mjs';

let site;
before(async () => { site = await startSite(); });
after(async () => { await site?.close(); });

async function signedInAgent(contextOptions = {}) {
  const context = await site.browser.newContext(contextOptions);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.base });
  const page = await context.newPage();
  await page.goto(`${site.base}/agent`);
  await page.locator('#token').fill(AGENT_TOKEN);
  await Promise.all([page.waitForURL(/\/agent/), page.locator('.stats-login button[type="submit"]').click()]);
  return { context, page };
}

test('copy buttons put the link, the Markdown link and the section text on the clipboard', async () => {
  const { context, page } = await signedInAgent();
  await page.goto(`${site.base}/agent?q=printer+offline&ticket=INC-42`);
  const row = page.locator('.agent-result').first().locator('tbody tr').nth(1);  // a section, not the whole article
  const slot = row.locator('.agent-copy');
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  // The read-only fields give way to buttons.
  assert.equal(await row.locator('input.agent-link').isHidden(), true);

  await slot.getByRole('button', { name: 'Link' }).click();
  await slot.getByRole('button', { name: 'Copied' }).first().waitFor();
  const url = await slot.getAttribute('data-url');
  assert.equal(await clipboard(), url);
  assert.match(url, /#[a-z0-9-]+$/, 'a section link ends in its anchor');

  const markdown = slot.getByRole('button', { name: 'Markdown' });
  await markdown.click();
  await page.waitForFunction(async (expected) => (await navigator.clipboard.readText()) === expected,
    await slot.getAttribute('data-markdown'));

  const slug = await page.locator('.agent-result').first().getAttribute('data-slug');
  const anchor = await row.getAttribute('data-anchor');
  const section = await (await page.request.get(
    `${site.base}/api/agent/section?slug=${encodeURIComponent(slug)}&anchor=${encodeURIComponent(anchor)}`)).json();
  await slot.getByRole('button', { name: 'Text' }).click();
  await page.waitForFunction(async (expected) => (await navigator.clipboard.readText()) === expected, section.text);
  assert.ok(section.text.length > 20, 'the section has text');

  // Three copies of this article, counted for the agent-link figures.
  let copied = 0;
  for (let i = 0; i < 40 && copied < 3; ++i) {
    await page.waitForTimeout(250);
    const stats = await (await page.request.get(`${site.base}/api/stats`,
      { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    copied = stats.agent_links.find((a) => a.slug === slug)?.links_copied ?? 0;
  }
  assert.equal(copied, 3);
  await context.close();
});

test('signed out, the Text button copies nothing and says so', async () => {
  const { context, page } = await signedInAgent();
  await page.goto(`${site.base}/agent?q=printer+offline`);
  await page.evaluate(() => navigator.clipboard.writeText('left as it was'));
  await context.clearCookies();
  const slot = page.locator('.agent-result').first().locator('tbody tr').nth(1).locator('.agent-copy');
  await slot.getByRole('button', { name: 'Text' }).click();
  await slot.getByRole('button', { name: '!' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'left as it was');
  await context.close();
});

test('a ticket ID edited after the search is pointed out, and copies count for the links\' ticket', async () => {
  const { context, page } = await signedInAgent();
  await page.goto(`${site.base}/agent?q=printer+offline&ticket=INC-7`);
  const field = page.locator('#agent-ticket');
  const stale = page.locator('#agent-ticket-stale');
  assert.equal((await stale.textContent()).trim(), '');
  await field.fill('INC-8');
  assert.match(await stale.textContent(), /still carry ticket INC-7: search again/);
  await field.fill('INC-7');
  assert.equal((await stale.textContent()).trim(), '');

  await field.fill('INC-8');
  const copied = page.waitForRequest((r) => r.url().endsWith('/api/agent/copied'));
  const slot = page.locator('.agent-result').first().locator('tbody tr').first().locator('.agent-copy');
  assert.match(await slot.getAttribute('data-url'), /[?&]ticket=INC-7&sig=[0-9a-f]{16}$/);
  await slot.getByRole('button', { name: 'Link' }).click();
  assert.equal(JSON.parse((await copied).postData()).ticket, 'INC-7');
  await context.close();
});

test('a Japanese agent gets Japanese copy buttons and notices', async () => {
  const { context, page } = await signedInAgent(
    { locale: 'ja-JP', extraHTTPHeaders: { 'Accept-Language': 'ja-JP,ja;q=0.9' } });
  await page.goto(`${site.base}/agent?q=printer+offline&ticket=INC-7`);
  const slot = page.locator('.agent-result').first().locator('tbody tr').nth(1).locator('.agent-copy');
  for (const name of ['リンク', 'Markdown', 'テキスト']) {
    assert.equal(await slot.getByRole('button', { name, exact: true }).count(), 1, name);
  }
  assert.equal(await slot.getByRole('button', { name: 'Text', exact: true }).count(), 0);
  await page.locator('#agent-ticket').fill('INC-8');
  assert.equal(await page.locator('#agent-ticket-stale').textContent(),
    '下のリンクにはまだチケットINC-7が入っています。新しいIDを入れるには、もう一度検索してください。');
  await slot.getByRole('button', { name: 'テキスト' }).click();
  await slot.getByRole('button', { name: 'コピーしました' }).waitFor();
  await context.close();
});
