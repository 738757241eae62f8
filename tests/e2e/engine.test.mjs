// End-to-end journeys of the registration engine on the demo events:
// members-only refusal and acceptance with a workshop choice, the waiting
// list and its promotion after a cancellation through the personal link,
// and a cycle taken day by day. axe-core runs on every page visited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, browserForTests, expectAccessible, waitForEmail, calendarOf, tokenOf, registerByApi, fillPerson,
} from './helpers.mjs';

const COMMITTEE = 'comite-pilotage-villes-vivre-ensemble-prochain';
const CYCLE = 'cycle-qualification-contrat-de-ville-prochaine-session';

const pages = browserForTests();

test('a members-only committee refuses without the code, then accepts it with a workshop choice', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/${COMMITTEE}`);
  await page.getByRole('heading', { level: 2, name: 'Inscription' }).waitFor();
  await page.getByText('Cette réunion est réservée aux membres du comité de pilotage.').waitFor();
  await expectAccessible(page, 'members-only committee');

  await fillPerson(page, 'elu.creil@exemple.fr');
  const workshops = page.getByRole('group', { name: /Travail en sous-groupes thématiques/ });
  await workshops.getByLabel(/Sujet n°1 : L'observation partagée/).check();
  await page.getByRole('group', { name: /Déjeunerez-vous sur place/ }).getByLabel('Oui').check();
  await page.getByLabel(/J'accepte que mes données/).check();
  await page.getByRole('button', { name: "Je m'inscris" }).click();
  const summary = page.locator('.error-summary');
  await summary.getByRole('link', { name: /Code d'invitation : Cet événement est réservé aux membres/ }).waitFor();
  await page.locator('#champ-invitation_code-erreur').waitFor();
  await expectAccessible(page, 'committee refusal');

  await page.getByLabel("Code d'invitation (facultatif)").fill('vivre-ensemble');
  await page.getByRole('button', { name: "Je m'inscris" }).click();
  await page.getByRole('heading', { level: 1, name: 'Inscription enregistrée' }).waitFor();
  const { email, raw } = await waitForEmail('elu.creil@exemple.fr', /^Inscription confirmée/);
  assert.match(email.text, /Atelier : Sujet n°1 : L'observation partagée/);
  assert.match(email.text, /vendredi|lundi|mardi|mercredi|jeudi|samedi|dimanche/);
  assert.ok(calendarOf(raw).includes('BEGIN:VEVENT'));
  await page.close();
});

test('a full workshop puts people on its waiting list; a cancellation through the personal link promotes them', async () => {
  // Eight members take every seat of the second workshop.
  for (let n = 0; n < 8; n += 1) {
    const accepted = await registerByApi(COMMITTEE, {
      email: `membre${n}@exemple.fr`, invitation_code: 'VIVRE-ENSEMBLE',
      tracks: ['place-des-habitants'], answers: { dejeuner: false },
    });
    assert.equal(accepted.status, 'confirmed');
  }
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/${COMMITTEE}`);
  const workshops = page.getByRole('group', { name: /Travail en sous-groupes thématiques/ });
  await workshops.getByText('complet, liste d\'attente').waitFor();
  await fillPerson(page, 'attente@exemple.fr', 'Dominique');
  await page.getByLabel("Code d'invitation (facultatif)").fill('VIVRE-ENSEMBLE');
  await workshops.getByLabel(/Sujet n°2 : La place des habitants/).check();
  await page.getByRole('group', { name: /Déjeunerez-vous sur place/ }).getByLabel('Non').check();
  await page.getByLabel(/J'accepte que mes données/).check();
  await page.getByRole('button', { name: "Je m'inscris" }).click();
  await page.getByRole('heading', { level: 1, name: "Inscription en liste d'attente" }).waitFor();
  await page.getByText(/liste d'attente, au rang 1/).waitFor();
  await expectAccessible(page, 'waitlisted confirmation');
  const waiting = await waitForEmail('attente@exemple.fr', /^Liste d'attente \(rang 1\)/);
  assert.equal(calendarOf(waiting.raw), null, 'no calendar file while waiting');

  // The first member cancels through the link of their email.
  const member = await waitForEmail('membre0@exemple.fr', /^Inscription confirmée/);
  await page.goto(`${BASE}/inscription/${tokenOf(member.email)}`);
  await page.getByRole('heading', { level: 1, name: 'Mon inscription' }).waitFor();
  await page.getByText('Inscription confirmée.').waitFor();
  await expectAccessible(page, 'manage page');
  await page.getByRole('button', { name: 'Annuler mon inscription…' }).click();
  await page.getByRole('button', { name: 'Oui, annuler mon inscription' }).waitFor();
  await expectAccessible(page, 'cancellation confirmation step');
  await page.getByRole('button', { name: 'Oui, annuler mon inscription' }).click();
  await page.getByText('Inscription annulée.').waitFor();
  await expectAccessible(page, 'cancelled registration');
  await waitForEmail('membre0@exemple.fr', /^Inscription annulée/);

  // The person waiting is promoted and told, with the calendar file now.
  const promoted = await waitForEmail('attente@exemple.fr', /^Une place s'est libérée/);
  assert.ok(calendarOf(promoted.raw).includes('BEGIN:VEVENT'));
  await page.goto(`${BASE}/inscription/${tokenOf(promoted.email)}`);
  await page.getByText('Inscription confirmée.').waitFor();
  await page.close();
});

test('a cycle can be taken for chosen days, and the days changed later', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/${CYCLE}`);
  await page.getByRole('heading', { level: 2, name: 'Inscription' }).waitFor();
  await fillPerson(page, 'cheffe.projet@exemple.fr');
  const days = page.getByRole('group', { name: /Journées auxquelles vous participerez/ });
  assert.equal(await days.getByRole('checkbox', { checked: true }).count(), 4, 'the whole cycle by default');
  // Keyboard only: focus a day and press Space to untick it.
  await days.getByRole('checkbox').nth(1).focus();
  await page.keyboard.press('Space');
  await days.getByRole('checkbox').nth(3).focus();
  await page.keyboard.press('Space');
  await page.getByRole('group', { name: /porté par un EPCI/ }).getByLabel('Oui').check();
  await page.getByLabel(/Depuis combien d'années/).fill('3');
  await page.getByLabel(/J'accepte que mes données/).check();
  await expectAccessible(page, 'cycle form');
  await page.getByRole('button', { name: "Je m'inscris" }).click();
  await page.getByRole('heading', { level: 1, name: 'Inscription enregistrée' }).waitFor();
  const { email, raw } = await waitForEmail('cheffe.projet@exemple.fr', /^Inscription confirmée/);
  assert.equal(calendarOf(raw).match(/BEGIN:VEVENT/g).length, 2, 'one calendar entry per chosen day');

  await page.goto(`${BASE}/inscription/${tokenOf(email)}`);
  await page.getByRole('heading', { level: 2, name: 'Modifier mes choix' }).waitFor();
  const change = page.getByRole('group', { name: 'Journées (obligatoire)' });
  await change.getByRole('checkbox').nth(1).check();
  await page.getByRole('button', { name: 'Enregistrer mes choix' }).click();
  await page.getByText('Vos choix sont enregistrés.').waitFor();
  await expectAccessible(page, 'changed choices');
  const changed = await waitForEmail('cheffe.projet@exemple.fr', /^Inscription modifiée/);
  assert.equal(calendarOf(changed.raw).match(/BEGIN:VEVENT/g).length, 3);
  await page.close();
});
