// Reflow (WCAG 1.4.10): every page of the journeys reads at 320 CSS pixels
// without scrolling sideways, and at a phone's 390 px too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, browserForTests, registerByApi, waitForEmail, tokenOf } from './helpers.mjs';

const pages = browserForTests();

async function overflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 1)
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`);
    return { scroll: document.documentElement.scrollWidth, width, wide };
  });
}

async function expectNoSidewaysScroll(page, name) {
  const { scroll, width, wide } = await overflow(page);
  assert.ok(scroll <= width, `${name} lays out at ${scroll} px in a ${width} px window: ${wide.join(', ')}`);
}

test('no page of the journeys scrolls sideways at 320 px or 390 px', async () => {
  const events = await (await fetch(`${BASE}/api/events`)).json();
  const past = await (await fetch(`${BASE}/api/events?when=past`)).json();
  const slugs = [...events, ...past].map((e) => e.slug);
  assert.ok(slugs.length >= 5, `the demo agenda has its events (${slugs.length})`);
  await registerByApi('webinaire-ceq-2030-ctg-restitution', {
    first_name: 'Dominique', email: 'dominique.reflow@ville.example.fr',
  });
  const { email } = await waitForEmail('dominique.reflow@ville.example.fr');
  const token = tokenOf(email);

  for (const width of [320, 390]) {
    const page = await pages.newPage();
    await page.setViewportSize({ width, height: 800 });
    const visit = async (path, ready) => {
      await page.goto(`${BASE}${path}`);
      await ready();
      await expectNoSidewaysScroll(page, `${path} at ${width} px`);
    };
    await visit('/', () => page.locator('article').first().waitFor());
    for (const slug of slugs) {
      await visit(`/evenements/${slug}`, () => page.locator('dl.facts').waitFor());
      const submit = page.getByRole('button', { name: "Je m'inscris" });
      if (await submit.count()) {
        await submit.click();
        await page.locator('.error-summary li').first().waitFor();
        await expectNoSidewaysScroll(page, `the form of ${slug} with its errors at ${width} px`);
      }
    }
    await visit(`/inscription/${token}`, () => page.getByRole('heading', { level: 2 }).first().waitFor());
    await page.getByRole('button', { name: 'Annuler mon inscription…' }).click();
    await expectNoSidewaysScroll(page, `the cancellation step at ${width} px`);
    await visit('/evenements/webinaire-ceq-2030-ctg-restitution/confirmation', () => page.getByRole('heading', { level: 1 }).waitFor());
    await visit('/retrouver-mon-inscription', () => page.getByRole('heading', { level: 1 }).waitFor());
    await visit('/pas/de/page', () => page.getByRole('heading', { level: 1, name: 'Page introuvable' }).waitFor());
    await page.close();
  }
});
