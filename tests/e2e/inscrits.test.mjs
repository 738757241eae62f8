// The registrants desk of the back-office, on the demo committee: the table
// filtered by keyboard (the focus lands on the count of what matches), a
// registrant's answers in their disclosure, a promotion from the waiting
// list past a full workshop (refused, then over capacity on request) with
// its email, a cancellation with its confirmation step; axe-core and 320 px.
// Runs after engine.test.mjs and before participant.test.mjs and
// waiting-and-lookup.test.mjs (files run in name order): it leaves the
// second workshop full and nobody waiting for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, browserForTests, expectAccessible, emailsTo, fillPerson, registerByApi, waitForEmail, signInAsOrganiser,
  waitForFocusOn,
} from './helpers.mjs';

const ORGANISER = 'gestion@crpve.example.org';
const COMMITTEE = 'comite-pilotage-villes-vivre-ensemble-prochain';
const DESK = `${BASE}/gestion/organisations/demo/evenements/${COMMITTEE}/inscrits`;
const pages = browserForTests();

/// Signs in through the emailed link, unless this browser already is.
async function signIn(page) {
  await signInAsOrganiser(page);
}

/// Registers members to the second workshop until two of them wait.
async function twoWaiting() {
  const waiting = [];
  for (let n = 0; n < 12 && waiting.length < 2; n += 1) {
    const accepted = await registerByApi(COMMITTEE, {
      first_name: `Guichet${n}`, email: `guichet${n}@exemple.fr`, invitation_code: 'VIVRE-ENSEMBLE',
      tracks: ['place-des-habitants'], answers: { dejeuner: n % 2 === 0 },
    });
    if (accepted.status === 'waitlisted') waiting.push(n);
  }
  assert.equal(waiting.length, 2, 'the workshop filled up');
  return waiting;
}

const focusedText = (page) => page.evaluate(() => document.activeElement?.textContent ?? '');

test('an organiser filters the registrants, reads answers, promotes from the waiting list and cancels', async () => {
  const [first, second] = await twoWaiting();
  const page = await pages.newPage();
  await signIn(page);
  await page.goto(DESK);
  await page.getByRole('heading', { level: 1, name: 'Inscrit·es' }).waitFor();
  await page.getByRole('table', { name: 'Places prises par jauge' }).waitFor();
  await page.getByRole('link', { name: 'CSV pour Excel (séparateur point-virgule)' }).waitFor();

  // Filters by keyboard: the words, the status, then Enter.
  const words = page.getByLabel('Nom, adresse ou organisation');
  await words.focus();
  await page.keyboard.type('guichet');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'filtre-statut');
  await page.getByLabel('Statut').selectOption('waitlisted');
  await words.press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && /2 inscriptions sur \d+ correspondent/.test(document.activeElement.textContent));
  const table = page.getByRole('table', { name: "Inscrit·es, dans l'ordre d'inscription" });
  assert.equal(await table.locator('tbody tr').count(), 2);
  const exported = await page.getByRole('link', { name: 'JSON' }).getAttribute('href');
  assert.match(exported, /export\.json\?q=guichet&statut=waitlisted$/);

  // One registrant's answers, in their disclosure.
  await page.getByText(`Réponses de Guichet${first} Du comité`).click();
  const answers = table.locator('details[open] dl');
  await answers.getByText('Déjeunerez-vous sur place ?').waitFor();
  assert.equal(await answers.locator('dd').nth(1).textContent(), first % 2 === 0 ? 'Oui' : 'Non');
  await expectAccessible(page, 'registrants desk, filtered, answers open');

  // Promotion past the order: no seat is free, so it is refused until the
  // organiser chooses to go over the capacity.
  const waitingList = page.getByRole('region', { name: "Liste d'attente" });
  await waitingList.getByRole('button', { name: `Promouvoir Guichet${second} Du comité` }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'confirmation-titre');
  assert.equal(await focusedText(page), 'Confirmer la promotion');
  await page.getByRole('button', { name: "Oui, confirmer l'inscription" }).click();
  await waitForFocusOn(page, /Aucune place libre pour l'atelier/);
  await page.getByLabel("Dépasser la capacité si aucune place n'est libre").check();
  await expectAccessible(page, 'promotion confirmation step');
  await page.getByRole('button', { name: "Oui, confirmer l'inscription" }).click();
  await waitForFocusOn(page, /quitte la liste d'attente/);
  assert.match(await focusedText(page), /capacité dépassée/);
  const promoted = await waitForEmail(`guichet${second}@exemple.fr`, /^Une place s'est libérée/);
  assert.match(promoted.email.text, /\/inscription\/[0-9a-f]{64}/);
  await page.getByText(/9 \/ 8 \(capacité dépassée\)/).waitFor();

  // The other waiting person's registration is cancelled, after a
  // confirmation step; going back first returns the focus to the button.
  const cancel = page.getByRole('button', { name: `Annuler l'inscription de Guichet${first} Du comité` });
  await cancel.click();
  await page.waitForFunction(() => document.activeElement?.id === 'confirmation-titre');
  await page.getByRole('button', { name: 'Non, revenir' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), `Annuler l'inscription de Guichet${first} Du comité`);
  await cancel.click();
  await page.getByRole('button', { name: "Oui, annuler l'inscription" }).click();
  await waitForFocusOn(page, /est annulée/);
  await waitForEmail(`guichet${first}@exemple.fr`, /^Inscription annulée/);
  await waitingList.getByText("Personne n'attend de place.").waitFor();
  await page.close();
});

test('an organiser registers someone on their behalf, then writes to the registrants after a preview', async () => {
  const page = await pages.newPage();
  await signIn(page);
  await page.goto(DESK);
  await page.getByRole('button', { name: "Ouvrir le formulaire d'inscription" }).click();
  await page.getByRole('button', { name: 'Inscrire cette personne' }).click();
  await waitForFocusOn(page, /corrigez les champs signalés/);
  await page.locator('#champ-first_name-erreur').waitFor();
  await fillPerson(page, 'par.organisation@exemple.fr', 'Solène');
  await page.getByRole('group', { name: /Travail en sous-groupes/ }).getByLabel(/Sujet n°1/).check();
  await page.getByRole('group', { name: /Déjeunerez-vous sur place/ }).getByLabel('Non').check();
  await page.getByLabel(/La personne a accepté/).check();
  await page.getByRole('button', { name: 'Inscrire cette personne' }).click();
  await waitForFocusOn(page, /Solène Martin \(par\.organisation@exemple\.fr\) est inscrit·e, confirmée/);
  const confirmation = await waitForEmail('par.organisation@exemple.fr', /^Inscription confirmée/);
  // The table says who registered her.
  await page.getByRole('row', { name: /par\.organisation@exemple\.fr/ })
    .getByText("inscrit·e par l'organisation (Organisatrice de démonstration)").waitFor();
  assert.match(confirmation.email.text, /\/inscription\/[0-9a-f]{64}/);

  await page.getByLabel('Destinataires (obligatoire)').selectOption('tous');
  await page.getByLabel('Objet (obligatoire)').fill('Changement de salle');
  await page.getByLabel('Message (obligatoire)').fill('La réunion a lieu salle B.');
  await page.getByRole('button', { name: 'Prévisualiser le message' }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'apercu-titre');
  const count = Number((await focusedText(page)).match(/Aperçu : (\d+) destinataires?/)[1]);
  assert.ok(count > 1, `${count} recipients`);
  await page.getByText('Bonjour [prénom],').waitFor();
  await expectAccessible(page, 'registrants desk, message preview');
  await page.getByRole('button', { name: `Envoyer à ${count} personnes` }).click();
  await waitForFocusOn(page, /Message envoyé à toutes les personnes inscrites/);
  const message = await waitForEmail('par.organisation@exemple.fr', /^Changement de salle/);
  assert.match(message.email.text, /Bonjour Solène,/);
  assert.match(message.email.text, /\/inscription\/[0-9a-f]{64}/);
  await page.getByText(/« Changement de salle » — \d+ destinataire\(s\), par gestion@crpve\.example\.org/).waitFor();
  await page.close();
});

test('at 320 px the desk does not scroll sideways; the table scrolls in its own region', async () => {
  const page = await pages.newPage();
  await page.setViewportSize({ width: 320, height: 800 });
  await signIn(page);
  await page.goto(DESK);
  await page.getByRole('table', { name: "Inscrit·es, dans l'ordre d'inscription" }).waitFor();
  await page.getByRole('button', { name: "Ouvrir le formulaire d'inscription" }).click();
  await page.getByLabel('Type de structure (obligatoire)').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 320, `the desk lays out at ${width} px`);
  const region = page.getByRole('region', { name: "Inscrit·es, dans l'ordre d'inscription" });
  assert.equal(await region.getAttribute('tabindex'), '0', 'the scrolling region takes the focus');
  await expectAccessible(page, 'registrants desk at 320 px');
  await page.close();
});
