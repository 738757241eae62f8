// The agenda's search lives in the address: shareable, kept on reload and on
// a step back; it looks into the venue's town and the organiser too, and
// counts its results in proper French; it filters by organisation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, browserForTests, expectAccessible } from './helpers.mjs';

const pages = browserForTests();

test('a search by town is kept in the address, on reload and on a step back', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  await page.getByText('3 événements à venir, 4 passés.').waitFor();

  await page.getByLabel('Rechercher un événement').fill('Évry');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\?q=%C3%89vry$/);
  await page.getByText('1 événement à venir, 1 passé.').waitFor();
  assert.equal(await page.getByRole('article').count(), 2);
  await expectAccessible(page, 'agenda searched by town');

  await page.reload();
  await page.getByText('1 événement à venir, 1 passé.').waitFor();
  assert.equal(await page.getByLabel('Rechercher un événement').inputValue(), 'Évry');

  await page.goBack();
  await page.waitForURL(`${BASE}/`);
  await page.getByText('3 événements à venir, 4 passés.').waitFor();
  assert.equal(await page.getByLabel('Rechercher un événement').inputValue(), '');

  // A shared address with a kind selects it in the form.
  await page.goto(`${BASE}/?kind=comite&q=CRPVE`);
  await page.getByText('0 événement à venir, 0 passé.').waitFor();
  assert.equal(await page.getByLabel("Type d'événement").inputValue(), 'comite');
  await page.goto(`${BASE}/?q=CRPVE`);
  await page.getByText('1 événement à venir, 1 passé.').waitFor();
  await page.close();
});

test('the agenda can show one organisation\'s events, and says so in the address', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/`);
  const select = page.getByLabel('Organisation');
  await select.waitFor();
  await select.selectOption('demo');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.waitForURL(/\?organisation=demo$/);
  await page.getByText('3 événements à venir, 4 passés.').waitFor();
  await expectAccessible(page, 'agenda filtered by organisation');
  await page.goto(`${BASE}/?organisation=inconnue`);
  await page.getByText('0 événement à venir, 0 passé.').waitFor();
  assert.equal(await page.getByLabel('Organisation').inputValue(), '');
  await page.close();
});

test('a card whose event has a study report links to it, and so does the event page', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/`);
  // The link's name starts with what it shows, then names the report.
  const card = page.getByRole('link', { name: /^Rapport disponible : Actes de la journée régionale du 15 juin 2011/ });
  await card.waitFor();
  // What it shows; the report's title is for screen readers.
  assert.equal(await card.evaluate((a) => a.firstChild.textContent), 'Rapport disponible');
  assert.equal(await card.locator('.sr-only').count(), 1);
  assert.equal(await card.getAttribute('href'), '/publications/actes-journee-regionale-cohesion-sociale-paca-2011');
  // The reserved study's card leads to its page, which says how to get it.
  const reserved = page.getByRole('link', { name: /^Rapport disponible : Articulation des CEQ 2030/ }).first();
  assert.equal(await reserved.getAttribute('href'), '/publications/etude-ceq-2030-ctg-2025');
  await expectAccessible(page, 'agenda with report links');
  // By keyboard: the link is reached and followed to the publication's page.
  await card.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/publications\/actes-journee-regionale-cohesion-sociale-paca-2011$/);
  await page.getByRole('heading', { level: 1, name: /^Actes de la journée régionale/ }).waitFor();
  // The event page names the report and leads to the same page.
  await page.goto(`${BASE}/evenements/journee-regionale-cohesion-sociale-paca-2011-06-15`);
  const onEvent = page.getByRole('link', { name: /^Rapport disponible : « Actes de la journée régionale/ });
  await onEvent.waitFor();
  assert.equal(await onEvent.getAttribute('href'), '/publications/actes-journee-regionale-cohesion-sociale-paca-2011');
  await page.close();
});
