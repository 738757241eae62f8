// The organiser's whole journey: signed in through the emailed link, they
// create a webinar with two workshops, a question of their own and a
// connection link, and publish it. In another browser, a newcomer
// registers. The organiser then reads the registration and its answer,
// marks attendance, imports a webinar attendance report, exports CSV and
// XLSX (read back with openpyxl), and cancels a registrant: the person
// waiting is promoted. Every control is used from the keyboard (Enter on
// links and buttons, Space on boxes and radio buttons).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BASE, browserForTests, expectAccessible, emailsTo, fillPerson, launch, registerByApi, waitForEmail, signInAsOrganiser,
  waitForFocusOn,
} from './helpers.mjs';

const ORGANISER = 'gestion@crpve.example.org';
const SLUG = 'webinaire-les-jardins-partages';
const EVENT = `${BASE}/gestion/organisations/demo/evenements/${SLUG}`;
const NEWCOMER = 'nadia.benali@grigny.example.fr';
const WAITING = 'paul.durand@evry.example.fr';
const pages = browserForTests();

/// Signs in through the emailed link (a fresh session: the journey begins there).
async function signIn(page) {
  await signInAsOrganiser(page, { fresh: true });
}

function inDays(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

/// Waits for the focus to land on the element with this id.
async function focusOn(page, id) {
  await page.waitForFunction((expected) => document.activeElement?.id === expected, id);
}

/// The file an export link gives, fetched with the page's session.
async function download(page, linkName, dir, name) {
  const href = await page.getByRole('link', { name: linkName }).getAttribute('href');
  const response = await page.request.get(new URL(href, BASE).href);
  assert.equal(response.status(), 200, await response.text());
  assert.match(response.headers()['content-disposition'] ?? '', /attachment/);
  const path = join(dir, name);
  writeFileSync(path, await response.body());
  return path;
}

test('an organiser creates and publishes a webinar, follows its registrations, attendance and exports, and cancels a registrant', async () => {
  const page = await pages.newPage();
  await signIn(page);
  await page.getByRole('link', { name: "Aller à l'espace de gestion" }).press('Enter');
  await page.getByRole('link', { name: 'Créer un événement' }).press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Nouvel événement' }).waitFor();

  // The webinar: two workshops (one seat in the first), a question, a link.
  await page.getByLabel('Titre (obligatoire)').fill('Webinaire : les jardins partagés');
  await page.getByLabel('Résumé (obligatoire)').fill('Des jardins au pied des immeubles : retours de Grigny et d\'Évry.');
  await page.getByLabel('Description (facultatif)').fill('Un **échange** entre communes.');
  await page.getByLabel('Lien de connexion (facultatif)').fill('https://visio.example.org/jardins');
  await page.getByLabel('Jour (obligatoire)').fill(inDays(20));
  await page.locator('#champ-sessions-0-start').fill('10:00');
  await page.locator('#champ-sessions-0-end').fill('11:30');
  await page.getByRole('button', { name: 'Ajouter un temps de programme à la date 1' }).press('Enter');
  // The focus lands on the new row (a frame later): only then is it typed
  // into, or the move would take the typing elsewhere.
  await focusOn(page, 'champ-sessions-0-programme-0-start');
  await page.locator('#champ-sessions-0-programme-0-title').fill('Ateliers au choix');
  const workshops = [['Jardins au pied des immeubles', '1'], ['Compostage collectif', '20']];
  for (const [k, [title, seats]] of workshops.entries()) {
    await page.getByRole('button', { name: /Ajouter un atelier en parallèle \(date 1, temps 1\)/ }).press('Enter');
    await focusOn(page, `champ-sessions-0-programme-0-tracks-${k}-title`);
    await page.locator(`#champ-sessions-0-programme-0-tracks-${k}-title`).fill(title);
    await page.locator(`#champ-sessions-0-programme-0-tracks-${k}-capacity`).fill(seats);
  }
  await page.getByLabel("Liste d'attente quand c'est complet").press('Space');
  await page.getByRole('button', { name: 'Ajouter une question' }).press('Enter');
  await focusOn(page, 'champ-questions-0-label');
  await page.locator('#champ-questions-0-label').fill('Votre commune a-t-elle un jardin partagé ?');
  await page.getByLabel('Type de réponse (obligatoire)').selectOption('single_choice');
  await page.getByLabel('Réponses proposées (obligatoire)').fill('Oui\nNon\nEn projet');
  await page.getByLabel('Réponse obligatoire').press('Space');
  await page.getByRole('button', { name: 'Enregistrer le brouillon' }).press('Enter');
  await page.waitForURL(/\?cree=1$/, { timeout: 10000 }).catch(async () => {
    assert.fail(`not saved: ${await page.locator('.error-summary').textContent()}`);
  });
  await page.waitForURL(new RegExp(`/evenements/${SLUG}/modifier\\?cree=1$`));
  // The editor announces the draft and moves the focus to that message once
  // the saved event is loaded; a key pressed before would be taken from the
  // link, so the test waits for the focus as a keyboard user would.
  await waitForFocusOn(page, 'enregistré comme brouillon');
  await page.getByRole('link', { name: "Vue d'ensemble" }).press('Enter');
  await page.getByRole('button', { name: "Publier sur l'agenda" }).press('Enter');
  await waitForFocusOn(page, "L'événement est publié");

  // In another browser, a newcomer registers from the public page.
  const other = await launch();
  const visitor = await other.context.newPage();
  await visitor.goto(`${BASE}/evenements/${SLUG}`);
  await visitor.getByRole('heading', { level: 1, name: 'Webinaire : les jardins partagés' }).waitFor();
  await fillPerson(visitor, NEWCOMER, 'Nadia');
  await visitor.getByLabel('Organisation / structure (obligatoire)').fill('=1+2 Collectif des jardins');
  await visitor.getByRole('group', { name: /Ateliers au choix/ }).getByLabel(/Jardins au pied des immeubles/).press('Space');
  await visitor.getByRole('group', { name: /Votre commune a-t-elle un jardin partagé/ }).getByLabel('En projet').press('Space');
  await visitor.getByLabel(/J'accepte que mes données/).press('Space');
  await visitor.getByRole('button', { name: "Je m'inscris" }).press('Enter');
  await visitor.getByRole('heading', { level: 1, name: 'Inscription enregistrée' }).waitFor();
  const confirmation = await waitForEmail(NEWCOMER, /^Inscription confirmée/);
  assert.match(confirmation.email.text, /https:\/\/visio\.example\.org\/jardins/);
  await other.browser.close();
  // Someone else wants the same workshop: they wait.
  const waiting = await registerByApi(SLUG, {
    first_name: 'Paul', last_name: 'Durand', email: WAITING, tracks: ['jardins-au-pied-des-immeubles'],
    answers: { 'votre-commune-a-t-elle-un-jardin-partage': 'Oui' },
  });
  assert.equal(waiting.status, 'waitlisted');

  // The organiser reads the registration and its answer.
  await page.goto(`${EVENT}/inscrits`);
  await page.getByRole('heading', { level: 1, name: 'Inscrit·es' }).waitFor();
  const table = page.getByRole('table', { name: "Inscrit·es, dans l'ordre d'inscription" });
  await table.getByText(NEWCOMER).waitFor();
  await page.getByText('Réponses de Nadia Martin').press('Enter');
  const answers = table.locator('details[open] dl');
  await answers.getByText('Votre commune a-t-elle un jardin partagé ?').waitFor();
  await answers.getByText('En projet').waitFor();
  await expectAccessible(page, 'the new event\'s registrants');

  // Attendance: marked by hand, then a Zoom report imported.
  await page.getByRole('link', { name: 'Présence' }).press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Présence' }).waitFor();
  const count = page.locator('.presence-count');
  await count.getByText('0 présent·e sur 1').waitFor();
  await page.getByRole('checkbox', { name: /Nadia Martin/ }).press('Space');
  await count.getByText('1 présent·e sur 1').waitFor();
  await page.getByRole('checkbox', { name: /Nadia Martin/ }).press('Space');
  await count.getByText('0 présent·e sur 1').waitFor();
  const zoom = [
    'Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,In Waiting Room',
    `Nadia Martin,${NEWCOMER.toUpperCase()},01/10/2031 10:01:00 AM,01/10/2031 11:30:00 AM,89,No,Y,No`,
    '',
  ].join('\r\n');
  await page.getByLabel('Rapport de présence (fichier CSV, 5 Mo au plus)').setInputFiles({
    name: 'participants.csv', mimeType: 'text/csv', buffer: Buffer.from(zoom),
  });
  await page.getByRole('button', { name: 'Importer le rapport' }).press('Enter');
  await waitForFocusOn(page, 'Rapport Zoom importé');
  await count.getByText('1 présent·e sur 1').waitFor();

  // Exports, read back: CSV for French Excel and XLSX through openpyxl.
  await page.getByRole('link', { name: 'Inscrit·es' }).press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Inscrit·es' }).waitFor();
  const dir = mkdtempSync(join(tmpdir(), 'parvis-exports-'));
  const csvPath = await download(page, 'CSV pour Excel (séparateur point-virgule)', dir, 'inscrits.csv');
  const csv = readFileSync(csvPath, 'utf8');
  assert.ok(csv.startsWith('\ufeff'), 'a BOM for Excel');
  const row = csv.split('\r\n').find((line) => line.includes(NEWCOMER)) ?? csv.split('\n').find((line) => line.includes(NEWCOMER));
  assert.ok(row, csv);
  assert.match(row, /;'=1\+2 Collectif des jardins;/, 'the formula is neutralised');
  assert.match(row, /En projet/);
  assert.match(row, /présent/);
  const xlsxPath = await download(page, 'XLSX', dir, 'inscrits.xlsx');
  const read = execFileSync('python3', ['-c', `
import json, sys, openpyxl
sheet = openpyxl.load_workbook(sys.argv[1]).active
rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
kinds = [[cell.data_type for cell in row] for row in sheet.iter_rows()]
print(json.dumps({"rows": rows, "kinds": kinds}, default=str))
`, xlsxPath]).toString();
  const { rows, kinds } = JSON.parse(read);
  const header = rows[0];
  const index = rows.findIndex((r) => r.includes(NEWCOMER));
  assert.ok(index > 0, JSON.stringify(rows));
  const organisation = rows[index][header.indexOf('Organisation')];
  assert.equal(organisation, "'=1+2 Collectif des jardins");
  assert.notEqual(kinds[index][header.indexOf('Organisation')], 'f', 'not a formula');
  assert.ok(rows[index].includes('En projet'));
  assert.ok(rows.some((r) => r.includes(WAITING)), 'the person waiting is listed too');

  // The newcomer cancels? No: the organiser cancels them, and the person
  // waiting for the workshop gets the seat.
  await page.getByRole('button', { name: "Annuler l'inscription de Nadia Martin" }).press('Enter');
  // The question takes the focus on its title (a frame later): only then is
  // its answer pressed, or the key would land on the title.
  await page.waitForFunction(() => document.activeElement?.id === 'confirmation-titre');
  await page.getByRole('button', { name: "Oui, annuler l'inscription" }).press('Enter');
  await waitForFocusOn(page, /est annulée/, { timeout: 10000 })
    .catch(async () => assert.fail(`not cancelled; focus on: ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 300))}`));
  await waitForEmail(NEWCOMER, /^Inscription annulée/);
  await waitForEmail(WAITING, /^Une place s'est libérée/);
  await page.getByRole('region', { name: "Liste d'attente" }).getByText("Personne n'attend de place.").waitFor();
  await page.close();
});
