// Attendance in the back-office: an organiser signed in through the emailed
// link marks people present with the keyboard (the focus stays on the box
// just ticked), finds someone by name, imports a Zoom report, and prints
// the session's sign-in sheet (the site's header gone, the signature
// column there); both pages pass axe-core and fit 320 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, browserForTests, expectAccessible, emailsTo, registerByApi, signInAsOrganiser, waitForFocusOn } from './helpers.mjs';

const ORGANISER = 'gestion@crpve.example.org';
const WEBINAR = 'webinaire-ceq-2030-ctg-restitution';
const PRESENCE = `${BASE}/gestion/organisations/demo/evenements/${WEBINAR}/presence`;
const pages = browserForTests();

const PEOPLE = [
  { first_name: 'Aude', last_name: 'Zéphyr', email: 'aude.zephyr@presence.example.org', organisation: 'Ville de Grigny' },
  { first_name: 'Bastien', last_name: 'Abiteboul', email: 'bastien.abiteboul@presence.example.org', organisation: 'CAF de l\'Essonne' },
  { first_name: 'Chloé', last_name: 'Moulin', email: 'chloe.moulin@presence.example.org', organisation: 'Association Trait d\'union' },
];

async function signIn(page) {
  await signInAsOrganiser(page);
}

async function noSidewaysScroll(page, name) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 320, `${name} lays out at ${width} px`);
}

const focusedId = (page) => page.evaluate(() => document.activeElement?.id ?? '');

test('an organiser marks attendance by keyboard, imports a Zoom report and prints the sign-in sheet', async () => {
  for (const person of PEOPLE) {
    const answer = await registerByApi(WEBINAR, { ...person, role: 'Chargée de mission' });
    assert.equal(answer.status, 'confirmed', JSON.stringify(answer));
  }
  const page = await pages.newPage();
  await signIn(page);
  await page.goto(PRESENCE);
  await page.getByRole('heading', { level: 1, name: 'Présence' }).waitFor();
  await page.locator('.lead').getByText(/Articuler contrats engagements quartiers 2030/).waitFor();
  const count = page.locator('.presence-count');
  await count.getByText(/^0 présent·e sur \d+$/).waitFor();
  const total = Number((await count.textContent()).match(/sur (\d+)/)[1]);
  assert.ok(total >= PEOPLE.length, `${total} expected`);

  // By keyboard: Tab to a box, Space ticks it, the focus stays there.
  const aude = page.getByRole('checkbox', { name: /Aude Zéphyr/ });
  const bastien = page.getByRole('checkbox', { name: /Bastien Abiteboul/ });
  await bastien.focus();
  const bastienId = await focusedId(page);
  assert.match(bastienId, /^presence-\d+$/);
  await page.keyboard.press('Space');
  await count.getByText(`1 présent·e sur ${total}`).waitFor();
  assert.equal(await focusedId(page), bastienId, 'the focus stays on the box ticked');
  assert.equal(await bastien.isChecked(), true);
  await page.locator(`#${bastienId}-etat`).getByText('présent·e').waitFor();
  await page.getByRole('status').filter({ hasText: 'Bastien Abiteboul : présent·e.' }).waitFor({ state: 'attached' });
  // Unticked again: absent, still focused.
  await page.keyboard.press('Space');
  await count.getByText(`0 présent·e sur ${total}`).waitFor();
  await page.locator(`#${bastienId}-etat`).getByText('absent·e').waitFor();
  assert.equal(await focusedId(page), bastienId);
  await page.keyboard.press('Space');
  await count.getByText(`1 présent·e sur ${total}`).waitFor();

  // The search keeps only who matches.
  await page.getByLabel('Rechercher une personne').fill('zephyr');
  await aude.waitFor();
  assert.equal(await bastien.isVisible(), false);
  await page.getByLabel('Rechercher une personne').fill('');

  // A Zoom report: Aude is found, a stranger's address is listed.
  const zoom = [
    'Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,In Waiting Room',
    'Aude Zéphyr,Aude.Zephyr@presence.example.org,05/13/2031 04:29:03 PM,05/13/2031 06:00:00 PM,91,No,Y,No',
    'Inconnu,inconnu@ailleurs.example.org,05/13/2031 04:30:00 PM,05/13/2031 05:00:00 PM,30,Yes,Y,No',
    '',
  ].join('\r\n');
  await page.getByLabel('Rapport de présence (fichier CSV, 5 Mo au plus)').setInputFiles({
    name: 'participants.csv', mimeType: 'text/csv', buffer: Buffer.from(zoom),
  });
  await page.getByRole('button', { name: 'Importer le rapport' }).click();
  await waitForFocusOn(page, 'Rapport Zoom importé');
  await page.getByText('inconnu@ailleurs.example.org').waitFor();
  await count.getByText(`2 présent·es sur ${total}`).waitFor();
  assert.equal(await aude.isChecked(), true);
  await expectAccessible(page, 'attendance page');

  // Another kind of file is named on its field.
  await page.getByLabel('Rapport de présence (fichier CSV, 5 Mo au plus)').setInputFiles({
    name: 'liste.csv', mimeType: 'text/csv', buffer: Buffer.from('nom;prenom\nMartin;Camille\n'),
  });
  await page.getByRole('button', { name: 'Importer le rapport' }).click();
  await page.locator('#fichier-erreur').getByText(/pas un rapport de présence reconnu/).waitFor();
  assert.equal(await page.getByLabel('Rapport de présence (fichier CSV, 5 Mo au plus)').getAttribute('aria-invalid'), 'true');
  await expectAccessible(page, 'attendance page with an import error');

  // Marks survive a reload; the page fits a phone.
  await page.setViewportSize({ width: 320, height: 800 });
  await page.reload();
  await count.getByText(`2 présent·es sur ${total}`).waitFor();
  await noSidewaysScroll(page, 'the attendance page');
  await expectAccessible(page, 'attendance page at 320 px');

  // The sign-in sheet: sorted by last name, with its signature column.
  await page.getByRole('link', { name: /^Feuille d'émargement J1/ }).click();
  await page.getByRole('heading', { level: 1, name: "Feuille d'émargement" }).waitFor();
  await page.locator('table.sheet tbody tr').first().waitFor();
  const lastNames = await page.locator('table.sheet tbody tr td:first-child').allTextContents();
  const ours = lastNames.filter((name) => PEOPLE.some((p) => p.last_name === name));
  assert.deepEqual(ours, ['Abiteboul', 'Moulin', 'Zéphyr'], 'one row per registrant, by last name');
  assert.equal(lastNames.length, total, 'every confirmed registrant');
  await page.getByText(/Articuler contrats engagements quartiers 2030/).first().waitFor();
  await noSidewaysScroll(page, 'the sign-in sheet');
  await expectAccessible(page, 'sign-in sheet at 320 px');
  await page.setViewportSize({ width: 1024, height: 800 });
  await expectAccessible(page, 'sign-in sheet');

  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.site-header').isVisible(), false, 'the site header is not printed');
  assert.equal(await page.locator('.site-footer').isVisible(), false, 'nor its footer');
  assert.equal(await page.getByRole('button', { name: 'Imprimer la feuille' }).isVisible(), false);
  assert.equal(await page.getByRole('columnheader', { name: 'Signature' }).isVisible(), true);
  const signature = await page.getByRole('columnheader', { name: 'Signature' }).boundingBox();
  assert.ok(signature.width > 150, `a signature column ${signature.width} px wide`);
  await page.emulateMedia({ media: 'screen' });
  assert.equal(await page.locator('.site-header').isVisible(), true);
  // Back to the attendance of the same session, marks kept.
  await page.getByRole('link', { name: '← Retour à la présence' }).click();
  await page.waitForURL(/\/presence\?seance=0$/);
  await count.getByText(`2 présent·es sur ${total}`).waitFor();
  await page.close();
});
