// The legal pages (mentions légales, données personnelles, déclaration
// d'accessibilité) are plain documents served by the endpoint, without any
// script: each one passes axe-core, reads at 320 px without horizontal
// scrolling, runs under its strict Content-Security-Policy without a
// violation, and its skip link takes the keyboard to the main content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, browserForTests, expectAccessible } from './helpers.mjs';

const pages = browserForTests();

const LEGAL = [
  ['/mentions-legales', 'Mentions légales'],
  ['/donnees-personnelles', 'Données personnelles'],
  ['/accessibilite', "Déclaration d'accessibilité"],
];

for (const [path, heading] of LEGAL) {
  test(`${heading}: accessible, readable at 320 px, skip link to the content`, async () => {
    const page = await pages.newPage();
    await page.setViewportSize({ width: 320, height: 640 });
    const problems = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`Content-Security-Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const response = await page.goto(`${BASE}${path}`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /^text\/html/);
    assert.doesNotMatch(response.headers()['content-security-policy'], /script-src/);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    assert.equal(await page.locator('script').count(), 0, 'no script on a legal page');
    assert.equal(await page.title(), `${heading} – Parvis`);
    // The site's stylesheet applies: the header has the brand's background.
    const headerBackground = await page.locator('header.site-header')
      .evaluate((header) => getComputedStyle(header).backgroundColor);
    assert.notEqual(headerBackground, 'rgba(0, 0, 0, 0)', 'the stylesheet is loaded');
    // The footer links to the three pages, this one marked as current.
    const footer = page.locator('footer.site-footer');
    for (const [other] of LEGAL) {
      assert.equal(await footer.locator(`a[href="${other}"]`).count(), 1, `footer link to ${other}`);
    }
    assert.equal(await footer.locator(`a[href="${path}"]`).getAttribute('aria-current'), 'page');
    await expectAccessible(page, heading);

    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 320, `${path} is ${width} px wide at 320 px`);

    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    await page.keyboard.press('Enter');
    // Polled with evaluate (waitForFunction would need eval, which the
    // page's policy forbids): the fragment navigation may land a frame later.
    let focused;
    for (let i = 0; i < 20; i += 1) {
      focused = await page.evaluate(() => document.activeElement?.id);
      if (focused === 'contenu') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(focused, 'contenu', 'the skip link moves the focus to the main content');

    assert.deepEqual(problems, [], `no error or CSP violation on ${path}`);
    await page.close();
  });
}

test('the legal pages link to one another and back to the agenda', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/mentions-legales`);
  await page.locator('footer.site-footer').getByRole('link', { name: 'Données personnelles' }).click();
  await page.getByRole('heading', { level: 1, name: 'Données personnelles' }).waitFor();
  await page.locator('footer.site-footer').getByRole('link', { name: /^Accessibilité : / }).click();
  await page.getByRole('heading', { level: 1, name: "Déclaration d'accessibilité" }).waitFor();
  await page.getByRole('link', { name: 'Parvis', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  await page.close();
});
