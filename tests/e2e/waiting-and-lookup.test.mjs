// Runs after engine.test.mjs (files run in name order), which needs the
// committee's workshop seats free at its start.
// The confirmation page claims only what this browser registered; a waiting
// list gets its own heading with its rank; « Retrouver mon inscription »
// re-sends the personal link with the same answer for any address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, browserForTests, expectAccessible, waitForEmail, emailsTo, registerByApi, fillPerson,
} from './helpers.mjs';

const WEBINAR = 'webinaire-ceq-2030-ctg-restitution';
const COMMITTEE = 'comite-pilotage-villes-vivre-ensemble-prochain';

const pages = browserForTests();

test('a made-up confirmation address claims no registration', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/x/confirmation`);
  await page.getByRole('heading', { level: 1, name: 'Aucune inscription récente' }).waitFor();
  assert.equal(await page.getByText('Inscription enregistrée').count(), 0);
  await page.getByRole('link', { name: 'Retrouver une inscription déjà faite' }).waitFor();
  await expectAccessible(page, 'confirmation without a registration');
  await page.close();
});

test('a waiting-list answer has its own heading and rank', async () => {
  for (let n = 0; n < 8; n += 1) {
    await registerByApi(COMMITTEE, {
      email: `complet${n}@exemple.fr`, invitation_code: 'VIVRE-ENSEMBLE', tracks: ['place-des-habitants'], answers: { dejeuner: false },
    });
  }
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/${COMMITTEE}`);
  await fillPerson(page, 'rang@exemple.fr', 'Lou');
  await page.getByLabel("Code d'invitation (facultatif)").fill('VIVRE-ENSEMBLE');
  await page.getByRole('group', { name: /Travail en sous-groupes/ }).getByLabel(/Sujet n°2/).check();
  await page.getByRole('group', { name: /Déjeunerez-vous sur place/ }).getByLabel('Non').check();
  await page.getByLabel(/J'accepte que mes données/).check();
  await page.getByRole('button', { name: "Je m'inscris" }).click();
  await page.getByRole('heading', { level: 1, name: "Inscription en liste d'attente" }).waitFor();
  await page.getByText(/Votre rang sur la liste d'attente : \d+/).waitFor();
  assert.equal(await page.locator('.notice-success').count(), 0, 'not the green « enregistrée »');
  assert.equal(await page.getByRole('link', { name: /Google Agenda/ }).count(), 0, 'no calendar while waiting');
  await expectAccessible(page, 'waiting-list confirmation');
  await page.close();
});

test('« Retrouver mon inscription » re-sends the link, and answers alike for an unknown address', async () => {
  await registerByApi(WEBINAR, { first_name: 'Alix', email: 'alix.retrouve@ville.example.fr' });
  await waitForEmail('alix.retrouve@ville.example.fr', /^Inscription confirmée/);
  const page = await pages.newPage();
  await page.goto(`${BASE}/`);
  await page.getByRole('link', { name: 'Retrouver mon inscription' }).click();
  await page.getByRole('heading', { level: 1, name: 'Retrouver mon inscription' }).waitFor();
  await expectAccessible(page, 'find my registration');

  await page.getByLabel('Adresse e-mail (obligatoire)').fill('pas-une-adresse');
  await page.getByRole('button', { name: 'Recevoir mon lien personnel' }).click();
  await page.locator('#champ-email-erreur').waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'champ-email');

  const answers = [];
  for (const address of ['alix.retrouve@ville.example.fr', 'inconnu.total@ville.example.fr']) {
    await page.getByLabel('Adresse e-mail (obligatoire)').fill(address);
    const response = page.waitForResponse((r) => r.url().endsWith('/api/registrations/lookup'));
    await page.getByRole('button', { name: 'Recevoir mon lien personnel' }).click();
    const answer = await response;
    answers.push([answer.status(), await answer.text()]);
    await page.waitForFunction(() => document.activeElement?.classList.contains('notice'));
  }
  assert.deepEqual(answers[0], answers[1], 'the same answer whether or not the address is known');
  await expectAccessible(page, 'find my registration, answered');
  const sent = async () => (await emailsTo('alix.retrouve@ville.example.fr')).length;
  const deadline = Date.now() + 20000;
  while ((await sent()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.equal(await sent(), 2, 'the personal link was sent again');
  assert.equal((await emailsTo('inconnu.total@ville.example.fr')).length, 0);
  await page.close();
});
