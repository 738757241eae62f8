// The study reports library, public side: a newcomer goes from the agenda's
// navigation to the catalogue by keyboard, searches without accents, filters
// by type, opens a publication and downloads its PDF (the very bytes the
// file's address serves); the reserved study explains how to get it and its
// file refuses whoever has no signed link; focus lands where the change is;
// axe-core finds nothing at 1280 px and 320 px, and nothing scrolls sideways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { BASE, browserForTests, expectAccessible, signInAsOrganiser } from './helpers.mjs';

const pages = browserForTests();

const VILLES = 'villes-et-vivre-ensemble-gouvernance-locale-cohesion-sociale';
const RESERVED = 'etude-ceq-2030-ctg-2025';

async function catalogue(query = '') {
  const response = await fetch(`${BASE}/api/publications${query}`);
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

function countText(total) {
  return `${total} ${total <= 1 ? 'publication' : 'publications'}`;
}

/// Presses Tab until the focused element satisfies `predicate` (run in the
/// page with the active element), at most `max` times.
async function tabTo(page, predicate, what, max = 40) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return;
  }
  assert.fail(`${what} is never reached by Tab`);
}

async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    return { tag: e.tagName.toLowerCase(), id: e.id, text: e.textContent.trim(), cls: e.className };
  });
}

async function noSidewaysScroll(page, name) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= width, `${name} lays out at ${scroll} px in a ${width} px window`);
}

test('a newcomer finds, filters, opens and downloads a report by keyboard', async () => {
  const all = await catalogue();
  const searched = await catalogue('?q=cohesion');
  const filtered = await catalogue('?q=cohesion&type=rapport_etude');
  assert.ok(searched.items.some((p) => p.slug === VILLES), 'the API finds the report without accents');
  assert.ok(filtered.total < searched.total, 'the type narrows the search');

  const page = await pages.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  const frame = () => page.evaluate(() => [...document.querySelectorAll('.skip-link, .site-header a, .site-header .tagline, .site-footer a, .site-footer p')]
    .map((e) => `${e.tagName} ${e.getAttribute('href') ?? ''} ${e.textContent.trim()}`));
  const agendaFrame = await frame();
  // The main navigation leads to the catalogue, a page of its own.
  const nav = page.getByRole('navigation', { name: 'Menu principal' });
  assert.equal(await nav.getByRole('link', { name: 'Publications' }).getAttribute('href'), '/publications');
  await tabTo(page, () => document.activeElement.textContent === 'Publications', 'the Publications link');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${BASE}/publications`);
  await page.getByRole('heading', { level: 1, name: 'Publications' }).waitFor();
  assert.equal(await page.title(), 'Publications – Parvis');
  await page.getByRole('status').filter({ hasText: countText(all.total) }).waitFor();
  assert.equal(await page.getByRole('article').count(), all.items.length);
  // The same frame as the agenda: skip link, navigation, footer.
  assert.deepEqual(await frame(), agendaFrame);
  assert.equal(await nav.getByRole('link', { name: 'Publications' }).getAttribute('aria-current'), 'page');
  await expectAccessible(page, 'the catalogue at 1280 px');

  // Searching « cohesion », without its accent, by keyboard.
  await page.getByRole('search').getByRole('heading', { name: 'Vous cherchez une publication ?' }).waitFor();
  await tabTo(page, () => document.activeElement.id === 'recherche', 'the search field');
  await page.keyboard.type('cohesion');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${BASE}/publications?q=cohesion`);
  const count = page.locator('.result-count');
  await count.filter({ hasText: countText(searched.total) }).waitFor();
  await page.waitForFunction(() => document.activeElement.classList.contains('result-count'));
  const villes = page.getByRole('heading', { level: 2, name: /^Villes et vivre ensemble/ });
  await villes.waitFor();

  // Filtering by type, still by keyboard: the count takes the focus again.
  await page.getByLabel('Type de publication').focus();
  await page.getByLabel('Type de publication').selectOption('rapport_etude');
  await tabTo(page, () => document.activeElement.textContent === 'Rechercher', 'the search button', 10);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${BASE}/publications?q=cohesion&type=rapport_etude`);
  await count.filter({ hasText: countText(filtered.total) }).waitFor();
  await page.waitForFunction(() => document.activeElement.classList.contains('result-count'));
  assert.equal(await page.getByRole('article').count(), filtered.items.length);
  assert.match(await page.getByLabel('Type de publication').locator('option:checked').textContent(), /^Rapport d'étude \(\d+\)$/);
  await expectAccessible(page, 'the catalogue filtered by type');

  // A step back restores the search and its form.
  await page.goBack();
  await page.waitForURL(`${BASE}/publications?q=cohesion`);
  await count.filter({ hasText: countText(searched.total) }).waitFor();
  assert.equal(await page.getByLabel('Type de publication').inputValue(), '');
  assert.equal(await page.getByLabel('Mots-clés').inputValue(), 'cohesion');

  // The card says what the file is, the French way.
  const card = page.getByRole('article').filter({ has: villes });
  await card.getByText(/^PDF – (\d+ octets|\d+,\d (ko|Mo))$/).waitFor();
  assert.match(await card.locator('.when').textContent(), /^Publié le 15 janvier 2018$/);

  // Opening the publication: its heading takes the focus.
  await villes.getByRole('link').focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(`${BASE}/publications/${VILLES}`);
  await page.getByRole('heading', { level: 1, name: /^Villes et vivre ensemble/ }).waitFor();
  await page.waitForFunction(() => document.activeElement.tagName === 'H1');
  assert.match(await page.title(), /^Villes et vivre ensemble.* – Parvis$/);
  await page.getByText('Octobre 2015 – octobre 2017').waitFor();
  await expectAccessible(page, 'a publication page at 1280 px');

  // Its linked events are pages of the agenda: full page loads.
  const view = await (await fetch(`${BASE}/api/publications/${VILLES}`)).json();
  const events = page.getByRole('region', { name: 'Événements liés' }).getByRole('link');
  assert.equal(await events.count(), view.events.length);
  for (const [i, e] of view.events.entries()) {
    assert.equal(await events.nth(i).getAttribute('href'), `/evenements/${e.slug}`);
    assert.equal(await events.nth(i).getAttribute('rel'), 'external');
  }

  // The download: its link names it with its size, the bytes are a PDF and
  // those the file's address serves.
  const link = page.getByRole('link', { name: /^Télécharger le rapport final \(PDF – (\d+ octets|\d+,\d (ko|Mo))\)$/ });
  const href = await link.getAttribute('href');
  assert.match(href, new RegExp(`^/api/publications/${VILLES}/fichiers/`));
  await link.focus();
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  const saved = await readFile(await download.path());
  assert.equal(saved.subarray(0, 5).toString('latin1'), '%PDF-');
  const served = Buffer.from(await (await fetch(`${BASE}${href}`)).arrayBuffer());
  assert.ok(saved.equals(served), 'the downloaded bytes are the file\'s');
  assert.match(download.suggestedFilename(), /\.pdf$/);

  // Back to the catalogue through its own link.
  await page.getByRole('link', { name: 'Toutes les publications' }).click();
  await page.waitForURL(`${BASE}/publications`);
  await count.filter({ hasText: countText(all.total) }).waitFor();
  await page.waitForFunction(() => document.activeElement.classList.contains('result-count'));
  await page.close();
});

test('the reserved study explains how to get it, and its file refuses an unsigned request', async () => {
  const view = await (await fetch(`${BASE}/api/publications/${RESERVED}`)).json();
  assert.equal(view.access, 'inscrits');
  assert.ok(view.files.length > 0, 'the study has a file');

  const page = await pages.newPage();
  await page.goto(`${BASE}/publications?q=ceq`);
  const card = page.getByRole('article').filter({ hasText: view.title });
  await card.getByText('Réservé aux inscrit·es').waitFor();
  await card.getByRole('link').click();
  await page.waitForURL(`${BASE}/publications/${RESERVED}`);
  await page.getByRole('heading', { level: 1, name: view.title }).waitFor();
  await page.waitForFunction(() => document.activeElement.tagName === 'H1');
  const how = page.locator('.notice').filter({ hasText: 'est réservé aux participant·es de' });
  await how.waitFor();
  const where = view.events.length > 1 ? "l'un de ces événements" : "l'événement";
  assert.ok((await how.textContent()).includes(`inscrivez-vous à ${where}, il vous sera envoyé avec la confirmation ; si vous êtes inscrit·e, retrouvez-le sur votre page personnelle (lien reçu par e-mail).`), await how.textContent());
  const eventLinks = how.getByRole('link');
  assert.equal(await eventLinks.count(), view.events.length);
  for (const [i, e] of view.events.entries()) {
    assert.equal(await eventLinks.nth(i).getAttribute('href'), `/evenements/${e.slug}`);
  }
  assert.equal(await page.locator('a[href*="/fichiers/"]').count(), 0, 'no file link');
  await expectAccessible(page, 'the reserved study at 1280 px');

  // Guessing the file's address without a signature is refused.
  for (const file of view.files) {
    const response = await fetch(`${BASE}/api/publications/${RESERVED}/fichiers/${file.id}`);
    assert.equal(response.status, 403);
    const body = Buffer.from(await response.arrayBuffer());
    assert.notEqual(body.subarray(0, 5).toString('latin1'), '%PDF-');
  }
  await page.close();
});

test('an unknown publication says so in French, with the focus on it', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/publications/pas-de-publication-ici`);
  await page.getByRole('heading', { level: 1, name: 'Publication introuvable' }).waitFor();
  await page.waitForFunction(() => document.activeElement.tagName === 'H1');
  assert.equal(await page.title(), 'Publication introuvable – Parvis');
  await page.getByRole('link', { name: 'Voir toutes les publications' }).waitFor();
  await expectAccessible(page, 'an unknown publication');
  await page.close();
});

test('a search the endpoint refuses says why next to its field, which takes the focus', async () => {
  const long = Array.from({ length: 12 }, (_, i) => `mot${i}`).join(' ');
  const refused = await fetch(`${BASE}/api/publications?q=${encodeURIComponent(long)}`);
  assert.equal(refused.status, 422);
  const message = (await refused.json()).fields.q[0];
  const page = await pages.newPage();
  await page.goto(`${BASE}/publications`);
  await page.locator('.result-count').filter({ hasText: /publication/ }).waitFor();
  await page.getByLabel('Mots-clés').fill(long);
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.locator('#erreur-recherche').filter({ hasText: message }).waitFor();
  await page.waitForFunction(() => document.activeElement.id === 'recherche');
  const field = page.getByLabel('Mots-clés');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await field.getAttribute('aria-describedby'), /erreur-recherche/);
  await expectAccessible(page, 'a refused search');
  // Nothing found is said too.
  await page.goto(`${BASE}/publications?q=zzzzzz`);
  await page.getByText('Aucune publication ne correspond à votre recherche.').waitFor();
  await page.locator('.result-count').filter({ hasText: /^0 publication$/ }).waitFor();
  await page.close();
});

test('the catalogue and publication pages read at 320 px, axe-clean', async () => {
  const page = await pages.newPage();
  await page.setViewportSize({ width: 320, height: 800 });
  for (const [path, ready] of [
    ['/publications', () => page.getByRole('article').first().waitFor()],
    ['/publications?q=cohesion&type=rapport_etude', () => page.getByRole('article').first().waitFor()],
    [`/publications/${VILLES}`, () => page.getByRole('heading', { level: 2, name: 'Pièces à télécharger' }).waitFor()],
    [`/publications/${RESERVED}`, () => page.getByRole('heading', { level: 2, name: 'Obtenir ce document' }).waitFor()],
    ['/publications/pas-de-publication-ici', () => page.getByRole('heading', { level: 1, name: 'Publication introuvable' }).waitFor()],
  ]) {
    await page.goto(`${BASE}${path}`);
    await ready();
    await noSidewaysScroll(page, `${path} at 320 px`);
    await expectAccessible(page, `${path} at 320 px`);
  }
  await page.close();
});

test('pages of results are a labelled navigation, and the count of the new page takes the focus', async () => {
  const page = await pages.newPage();
  await signInAsOrganiser(page);
  const me = await (await page.request.get(`${BASE}/api/gestion/moi`)).json();
  const headers = { 'x-parvis-csrf': me.csrf_token };
  const base = `${BASE}/api/gestion/organisations/demo/publications`;
  const word = `pagination${Date.now().toString(36)}`;
  const slugs = [];
  try {
    for (let i = 1; i <= 21; i += 1) {
      const created = await page.request.post(base, {
        headers,
        data: {
          title: `Fiche ${word} numéro ${i}`, kind: 'fiche_experience', authors: 'Équipe de test',
          published_on: `2020-01-${String(i).padStart(2, '0')}`, summary: `Une fiche ${word}.`,
          access: 'public', published: true,
        },
      });
      assert.equal(created.status(), 201, await created.text());
      slugs.push((await created.json()).publication.slug);
    }
    await page.goto(`${BASE}/publications?q=${word}`);
    const count = page.locator('.result-count');
    await count.filter({ hasText: '21 publications, page 1 sur 2' }).waitFor();
    assert.equal(await page.getByRole('article').count(), 20);
    const pagesNav = page.getByRole('navigation', { name: 'Pages de résultats' });
    assert.equal(await pagesNav.getByRole('link', { name: 'Page 1' }).getAttribute('aria-current'), 'page');
    await expectAccessible(page, 'a catalogue of two pages');
    await pagesNav.getByRole('link', { name: 'Page suivante' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${BASE}/publications?q=${word}&page=2`);
    await count.filter({ hasText: '21 publications, page 2 sur 2' }).waitFor();
    await page.waitForFunction(() => document.activeElement.classList.contains('result-count'));
    assert.equal(await page.getByRole('article').count(), 1);
    assert.equal(await page.title(), 'Publications, page 2 – Parvis');
    await pagesNav.getByRole('link', { name: 'Page précédente' }).click();
    await page.waitForURL(`${BASE}/publications?q=${word}`);
    await count.filter({ hasText: '21 publications, page 1 sur 2' }).waitFor();
    await page.waitForFunction(() => document.activeElement.classList.contains('result-count'));
  } finally {
    for (const slug of slugs) {
      const deleted = await page.request.delete(`${base}/${slug}`, { headers });
      assert.ok(deleted.ok(), await deleted.text());
    }
    await page.close();
  }
});
