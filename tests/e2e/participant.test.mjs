// What axe-core cannot see on the participant's side: where the focus lands
// after each in-page link and button, the form for residents, the warning
// before choosing a full workshop, one way of writing hours, the place of
// an in-person event, and no calendar offer for an event that is over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BASE, browserForTests, expectAccessible, waitForEmail, tokenOf, registerByApi, fillPerson,
} from './helpers.mjs';

const WEBINAR = 'webinaire-ceq-2030-ctg-restitution';
const PAST_WEBINAR = 'webinaire-ceq-2030-ctg-2025-05-13';
const COMMITTEE = 'comite-pilotage-villes-vivre-ensemble-prochain';

const pages = browserForTests();

const active = (page) => page.evaluate(() => {
  const e = document.activeElement;
  return { id: e.id, tag: e.tagName, text: e.textContent.trim().slice(0, 80), labelledby: e.getAttribute('aria-labelledby'), inMain: document.getElementById('contenu').contains(e) };
});

test('the skip link and the error summary move the focus where they point', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/${WEBINAR}`);
  await page.getByRole('heading', { level: 2, name: 'Inscription' }).waitFor();
  // Every page says how accessible the site is, and links the legal pages.
  const footer = page.locator('footer');
  await footer.getByRole('link', { name: /^Accessibilité : (non|partiellement|totalement) conforme$/ }).waitFor();
  await footer.getByRole('link', { name: 'Mentions légales' }).waitFor();
  await footer.getByRole('link', { name: 'Données personnelles' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal((await active(page)).text, 'Aller au contenu');
  await page.keyboard.press('Enter');
  assert.equal((await active(page)).id, 'contenu');
  await page.keyboard.press('Tab');
  assert.ok((await active(page)).inMain, 'the next Tab stays in the content, not the header');

  await page.getByRole('button', { name: "Je m'inscris" }).focus();
  await page.keyboard.press('Enter');
  const summary = page.locator('.error-summary');
  await summary.getByRole('link').first().waitFor();
  // The summary takes the focus on the frame after it renders.
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
  await page.keyboard.press('Tab');
  assert.match((await active(page)).text, /^Prénom :/);
  await page.keyboard.press('Enter');
  assert.equal((await active(page)).id, 'champ-first_name');
  await page.keyboard.press('Tab');
  assert.equal((await active(page)).id, 'champ-last_name', 'the next Tab goes on from the field');
  await page.close();
});

test('on a phone, « S\'inscrire » near the top takes the focus to the form', async () => {
  const page = await pages.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${BASE}/evenements/${WEBINAR}`);
  const jump = page.getByRole('link', { name: "S'inscrire" });
  await jump.waitFor();
  assert.ok((await jump.boundingBox()).y < 844, 'the link is on the first screen');
  await jump.focus();
  await page.keyboard.press('Enter');
  assert.equal((await active(page)).id, 'inscription');
  assert.ok(await page.getByRole('heading', { level: 2, name: 'Inscription' }).isVisible());
  await page.close();
});

test('cancelling from the personal page moves the focus into the question, then to the answer', async () => {
  await registerByApi(WEBINAR, { first_name: 'Sacha', email: 'sacha.focus@ville.example.fr' });
  const { email } = await waitForEmail('sacha.focus@ville.example.fr', /^Inscription confirmée/);
  const page = await pages.newPage();
  await page.goto(`${BASE}/inscription/${tokenOf(email)}`);
  const ask = page.getByRole('button', { name: 'Annuler mon inscription…' });
  await ask.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-labelledby') === 'question-annulation');
  await expectAccessible(page, 'cancellation question');
  await page.getByRole('button', { name: 'Non, garder mon inscription' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.textContent === 'Annuler mon inscription…');
  await ask.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-labelledby') === 'question-annulation');
  await page.getByRole('button', { name: 'Oui, annuler mon inscription' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && document.activeElement.textContent.includes('Votre inscription est annulée'));
  await page.close();
});

test('a resident registers without organisation or function', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/${WEBINAR}`);
  await page.getByLabel('Type de structure (obligatoire)').selectOption('habitant');
  await page.getByLabel('Organisation / structure (facultatif)').waitFor();
  await page.getByLabel('Fonction (facultatif)').waitFor();
  await page.getByLabel('Prénom (obligatoire)').fill('Nadia');
  await page.getByLabel('Nom (obligatoire)', { exact: true }).fill('Benali');
  await page.getByLabel('Adresse e-mail (obligatoire)').fill('nadia.habitante@exemple.fr');
  await page.getByLabel(/J'accepte que mes données/).check();
  // The consent links the privacy notice, described as the checkbox's help.
  const privacy = page.locator('#consentement-aide').getByRole('link', { name: /données personnelles/ });
  assert.equal(await privacy.getAttribute('href'), '/donnees-personnelles');
  assert.match(await page.getByLabel(/J'accepte que mes données/).getAttribute('aria-describedby'), /consentement-aide/);
  await expectAccessible(page, 'form of a resident');
  await page.getByRole('button', { name: "Je m'inscris" }).click();
  await page.getByRole('heading', { level: 1, name: /Inscription/ }).waitFor();
  await waitForEmail('nadia.habitante@exemple.fr', /^Inscription confirmée/);
  await page.close();
});

test('choosing a full workshop warns before submitting and names the one with seats', async () => {
  for (let n = 0; n < 8; n += 1) {
    await registerByApi(COMMITTEE, {
      email: `plein${n}@exemple.fr`, invitation_code: 'VIVRE-ENSEMBLE', tracks: ['place-des-habitants'], answers: { dejeuner: false },
    }).catch(() => {}); // the workshop may already be full from another journey
  }
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/${COMMITTEE}`);
  const workshops = page.getByRole('group', { name: /Travail en sous-groupes thématiques/ });
  await workshops.getByLabel(/Sujet n°2 : La place des habitants/).check();
  await page.getByText(/L'atelier « Sujet n°2 : La place des habitants \(CoPil n°3 et 4\) » est complet : si vous validez ce choix, vous serez inscrit·e sur liste d'attente\. Il reste des places pour l'atelier « Sujet n°1 : L'observation partagée \(CoPil n°3 et 4\) » \(\d+ places?\)\./).waitFor();
  await expectAccessible(page, 'form warning of a full workshop');
  await workshops.getByLabel(/Sujet n°1/).check();
  await page.getByText(/est complet : si vous validez/).waitFor({ state: 'detached' });
  await page.close();
});

test('hours are written one way, an in-person event names its place, and a past event offers no calendar', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/${COMMITTEE}`);
  const programme = page.locator('section[aria-labelledby="programme"]');
  await programme.getByText('10 h – 12 h 45').waitFor();
  assert.doesNotMatch(await programme.innerText(), /\d h 00/);
  await page.locator('dl.facts').getByText('Lieu communiqué ultérieurement').waitFor();
  assert.equal(await page.getByRole('link', { name: /Ajouter à mon agenda/ }).count(), 1);
  await page.goto(`${BASE}/evenements/${PAST_WEBINAR}`);
  await page.getByText('Les inscriptions sont closes.').waitFor();
  assert.equal(await page.getByRole('link', { name: /Ajouter à mon agenda/ }).count(), 0);
  await page.close();
});

test('on the day, the personal page has « Rejoindre », the report, and answers that can be edited', async () => {
  await registerByApi(WEBINAR, {
    first_name: 'Yanis', email: 'yanis.jour-j@ville.example.fr', accessibility_needs: 'Sous-titrage',
  });
  const { email } = await waitForEmail('yanis.jour-j@ville.example.fr', /^Inscription confirmée/);
  const page = await pages.newPage();
  await page.goto(`${BASE}/inscription/${tokenOf(email)}`);
  const join = page.getByRole('link', { name: /Rejoindre l'événement en ligne/ });
  await join.waitFor();
  assert.match(await join.getAttribute('href'), /^https:\/\/visio\.example\.org\/parvis\/webinaire-ceq-2030-ctg-restitution/);
  // The study reserved to registrants: downloaded from the personal page
  // by the participant's browser, the very bytes of a PDF.
  const reportLink = page.getByRole('link', { name: /Télécharger le rapport d'étude/ });
  await reportLink.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), reportLink.click()]);
  const saved = readFileSync(await download.path());
  assert.equal(saved.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.match(download.suggestedFilename(), /\.pdf$/);
  const needs = page.getByLabel("Besoins d'accessibilité (facultatif)");
  assert.equal(await needs.inputValue(), 'Sous-titrage');
  await expectAccessible(page, 'personal page on the day');
  await needs.fill('Interprétation en LSF');
  await page.getByRole('button', { name: 'Enregistrer mes réponses' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && document.activeElement.textContent.includes('Vos réponses sont enregistrées'));
  await page.reload();
  await join.waitFor();
  assert.equal(await needs.inputValue(), 'Interprétation en LSF');
  await page.close();
});

test('answers to the organiser\'s questions are edited from the personal page; a waiting person has no « Rejoindre »', async () => {
  await registerByApi(COMMITTEE, {
    email: 'reponses@exemple.fr', invitation_code: 'VIVRE-ENSEMBLE', tracks: ['observation-partagee'], answers: { dejeuner: false },
  });
  const { email } = await waitForEmail('reponses@exemple.fr');
  const page = await pages.newPage();
  await page.goto(`${BASE}/inscription/${tokenOf(email)}`);
  const lunch = page.getByRole('group', { name: /Déjeunerez-vous sur place/ });
  await lunch.waitFor();
  assert.equal(await lunch.getByLabel('Non').isChecked(), true);
  await lunch.getByLabel('Oui').check();
  await page.getByRole('button', { name: 'Enregistrer mes réponses' }).click();
  await page.getByText('Vos réponses sont enregistrées.').waitFor();
  await page.reload();
  await lunch.waitFor();
  assert.equal(await lunch.getByLabel('Oui').isChecked(), true);
  assert.equal(await page.getByRole('link', { name: /Rejoindre/ }).count(), 0, 'an in-person event has no connection link');
  await page.close();
});
