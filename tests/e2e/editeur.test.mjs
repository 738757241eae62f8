// The event editor: an organiser creates a webinar with two workshops, a
// question and a connection link, by keyboard where it matters; errors are
// summarised, linked and focused; what is typed survives a reload; the
// event is published and its public page shows the sanitised description.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, browserForTests, expectAccessible, emailsTo, signInAsOrganiser, waitForFocusOn } from './helpers.mjs';

const ORGANISER = 'gestion@crpve.example.org';
const pages = browserForTests();

async function signIn(page) {
  await signInAsOrganiser(page);
}

const focusedId = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.className);

function inDays(days) {
  const d = new Date(Date.now() + days * 86400000);
  return d.toISOString().slice(0, 10);
}

test('an organiser creates, corrects, keeps and publishes a webinar with workshops and a question', async () => {
  const page = await pages.newPage();
  await signIn(page);
  await page.goto(`${BASE}/gestion/`);
  await page.getByRole('link', { name: 'Créer un événement' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Nouvel événement' }).waitFor();
  await expectAccessible(page, 'the new event form');

  // Submitted nearly empty: the summary takes the focus and links each field.
  await page.getByLabel('Titre (obligatoire)').fill('Webinaire : les tables de quartier');
  await page.getByRole('button', { name: 'Enregistrer le brouillon' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
  const summary = page.locator('.error-summary');
  await summary.getByText('Résumé : Ce champ est obligatoire.').waitFor();
  await summary.getByText(/Date 1 › Date : Indiquez la date/).waitFor();
  await expectAccessible(page, 'the editor with its errors');
  await summary.getByRole('link', { name: /Date 1 › Date/ }).press('Enter');
  assert.equal(await focusedId(page), 'champ-sessions-0-date');

  // What is typed survives a reload.
  await page.getByLabel('Résumé (obligatoire)').fill('Un échange entre pairs sur les tables de quartier.');
  await page.reload();
  await page.getByText('Des saisies non enregistrées ont été reprises dans ce navigateur.').waitFor();
  assert.equal(await page.getByLabel('Titre (obligatoire)').inputValue(), 'Webinaire : les tables de quartier');
  assert.equal(await page.getByLabel('Résumé (obligatoire)').inputValue(), 'Un échange entre pairs sur les tables de quartier.');

  await page.getByLabel('Description (facultatif)').fill('## Programme\n\nUn **retour d\'expérience**.\n\n<script>alert(1)</script>');
  await page.getByRole('button', { name: "Afficher l'aperçu" }).click();
  await page.locator('.preview h3', { hasText: 'Programme' }).waitFor();
  await page.getByLabel('Lien de connexion (facultatif)').fill('https://visio.example.org/tables');
  await page.getByLabel('Jour (obligatoire)').fill(inDays(40));
  await page.locator('#champ-sessions-0-start').fill('14:00');
  await page.locator('#champ-sessions-0-end').fill('16:00');
  // A programme slot with two workshops, added by keyboard: the new field
  // takes the focus.
  await page.getByRole('button', { name: 'Ajouter un temps de programme à la date 1' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'champ-sessions-0-programme-0-start');
  await page.locator('#champ-sessions-0-programme-0-title').fill('Ateliers en parallèle');
  for (const [k, title] of ['Tables de quartier', 'Conseils citoyens'].entries()) {
    await page.getByRole('button', { name: /Ajouter un atelier en parallèle \(date 1, temps 1\)/ }).press('Enter');
    await page.waitForFunction((id) => document.activeElement?.id === id, `champ-sessions-0-programme-0-tracks-${k}-title`);
    await page.keyboard.type(title);
    await page.locator(`#champ-sessions-0-programme-0-tracks-${k}-capacity`).fill('12');
  }
  await page.getByLabel("Liste d'attente quand c'est complet").check();
  await page.getByRole('button', { name: 'Ajouter une question' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'champ-questions-0-label');
  await page.keyboard.type('Votre quartier a-t-il une table de quartier ?');
  await page.getByLabel('Type de réponse (obligatoire)').selectOption('single_choice');
  await page.getByLabel('Réponses proposées (obligatoire)').fill('Oui\nNon\nEn projet');
  await page.getByLabel('Réponse obligatoire').check();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.setViewportSize({ width: 320, height: 800 });
  const narrow = await page.evaluate(() => document.documentElement.scrollWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll('main *')]
    .filter((e) => e.getBoundingClientRect().right > 321)
    .slice(0, 5)
    .map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`));
  assert.ok(narrow <= 320, `the editor lays out at 320 px (${narrow} px; ${width} px wide before): ${wide.join(', ')}`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectAccessible(page, 'the filled editor');
  await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();

  // Saved as a draft: the edit page says so, focused.
  await page.waitForURL(/\/evenements\/webinaire-les-tables-de-quartier\/modifier\?cree=1$/);
  await waitForFocusOn(page, 'enregistré comme brouillon');
  await expectAccessible(page, 'the edit page');
  assert.equal(await page.locator('#champ-sessions-0-programme-0-tracks-1-title').inputValue(), 'Conseils citoyens');

  // Not public yet; then published from its overview.
  const hidden = await page.request.get(`${BASE}/api/events/webinaire-les-tables-de-quartier`);
  assert.equal(hidden.status(), 404);
  await page.getByRole('link', { name: "Vue d'ensemble" }).click();
  await page.getByRole('heading', { level: 1, name: 'Webinaire : les tables de quartier' }).waitFor();
  await page.getByText('Brouillon').waitFor();
  await expectAccessible(page, 'the event overview');
  await page.getByRole('button', { name: "Publier sur l'agenda" }).click();
  await waitForFocusOn(page, "L'événement est publié");
  await page.getByRole('button', { name: "Retirer de l'agenda public" }).waitFor();

  // The public page: the description rendered, the script shown as text.
  await page.goto(`${BASE}/evenements/webinaire-les-tables-de-quartier`);
  await page.getByRole('heading', { level: 1, name: 'Webinaire : les tables de quartier' }).waitFor();
  await page.locator('.description h3', { hasText: 'Programme' }).waitFor();
  await page.locator('.description strong', { hasText: "retour d'expérience" }).waitFor();
  assert.equal(await page.locator('.description script').count(), 0);
  await page.getByText('<script>alert(1)</script>').waitFor();
  await page.getByText('Tables de quartier').first().waitFor();
  await page.close();
});

test('a duplicate is a new draft; cancelling and deleting an event ask first', async () => {
  const page = await pages.newPage();
  await signIn(page);
  await page.goto(`${BASE}/gestion/organisations/demo/evenements/webinaire-ceq-2030-ctg-restitution`);
  await page.getByRole('button', { name: 'Dupliquer (nouvelle date)' }).click();
  await page.waitForURL(/webinaire-ceq-2030-ctg-restitution-copie\/modifier\?cree=1$/);
  await page.getByRole('heading', { level: 1, name: "Modifier l'événement" }).waitFor();
  await page.getByRole('link', { name: "Vue d'ensemble" }).click();
  await page.getByText('Brouillon').waitFor();
  // Nobody registered to the copy: it may be deleted, after a question.
  await page.getByRole('button', { name: "Supprimer l'événement…" }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('confirm'));
  await expectAccessible(page, 'the deletion question');
  await page.getByRole('button', { name: 'Non, revenir' }).press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'action-supprimer', 'the focus returns to the button');
  await page.getByRole('button', { name: "Annuler l'événement…" }).click();
  await page.getByRole('button', { name: 'Oui, annuler et prévenir les inscrit·es' }).click();
  await waitForFocusOn(page, "L'événement est annulé");
  await page.getByText('Annulé', { exact: true }).waitFor();
  // Still nobody registered: the cancelled copy goes altogether.
  await page.getByRole('button', { name: "Supprimer l'événement…" }).click();
  await page.getByRole('button', { name: 'Oui, supprimer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Espace de gestion' }).waitFor();
  const gone = await page.request.get(`${BASE}/api/events/webinaire-ceq-2030-ctg-restitution-copie`);
  assert.equal(gone.status(), 404);
  await page.close();
});
