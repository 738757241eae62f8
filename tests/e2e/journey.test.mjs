// End-to-end journey of a local actor, in headless Chromium driven by
// Playwright, against the running endpoint serving the release app.
// Every page visited is checked with axe-core (zero violations), and the
// confirmation email is read back from the outbox directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, browserForTests, expectAccessible, waitForEmail, calendarOf } from './helpers.mjs';

const pages = browserForTests();

test('a local actor finds the webinar, registers, and receives everything by email', async () => {
  const page = await pages.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // The agenda: upcoming first, past events in their own section.
  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  const upcoming = page.locator('section[aria-labelledby="a-venir"]');
  const past = page.locator('section[aria-labelledby="passes"]');
  await upcoming.getByRole('link', { name: /Articuler contrats engagements quartiers 2030/ }).waitFor();
  await past.getByRole('link', { name: /comité de pilotage/ }).waitFor();
  assert.equal(await past.getByRole('article').count(), 4);
  // The three upcoming demo events, and whatever earlier files published.
  assert.ok(await upcoming.getByRole('article').count() >= 3);
  assert.match(await page.title(), /Agenda – Parvis/);
  await expectAccessible(page, 'agenda');

  // The original webinar of 13 May 2025: French date, online, contact.
  await past.getByRole('link', { name: /Articuler contrats engagements quartiers 2030/ }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  const facts = page.locator('dl.facts');
  await facts.getByText('mardi 13 mai 2025, 16 h 30 – 18 h').waitFor();
  await facts.getByText(/En ligne : le lien de connexion est envoyé par e-mail/).waitFor();
  await facts.getByRole('link', { name: 'guillaume.dejardin@lepoleressources.fr' }).waitFor();
  await page.getByText('Les inscriptions sont closes.').waitFor();
  assert.equal(await page.locator('form.registration-form').count(), 0);
  assert.ok(!(await page.content()).includes('visio.example.org'), 'no connection link on the page');
  await expectAccessible(page, 'past webinar');

  // Its upcoming copy, where registration is open. Keyboard only.
  await page.goto(`${BASE}/evenements/webinaire-ceq-2030-ctg-restitution`);
  await page.getByRole('heading', { level: 2, name: 'Inscription' }).waitFor();
  await page.getByText(/Inscriptions ouvertes jusqu'au/).waitFor();
  await expectAccessible(page, 'upcoming webinar');

  // An empty submission shows every error, next to its field and in a summary.
  await page.getByRole('button', { name: "Je m'inscris" }).focus();
  await page.keyboard.press('Enter');
  const summary = page.locator('.error-summary');
  await summary.getByRole('link', { name: /Prénom : Le champ « Prénom » est obligatoire/ }).waitFor();
  assert.equal(await summary.getByRole('link').count(), 7);
  // The summary takes the focus on the frame after it renders.
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
  await page.locator('#champ-email-erreur').waitFor();
  await expectAccessible(page, 'form with errors');

  // Fill the form with the keyboard: Tab moves from field to field.
  await page.getByLabel('Prénom (obligatoire)').focus();
  await page.keyboard.type('Camille');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Martin');
  await page.keyboard.press('Tab');
  await page.keyboard.type('camille.martin@creil.example.fr');
  await page.keyboard.press('Tab');
  // The structure type is a native select: arrows choose with the keyboard.
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getByLabel('Type de structure (obligatoire)').inputValue(), 'collectivite');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Ville de Creil');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Cheffe de projet politique de la ville');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Creil, quartier Rouher');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Sous-titrage des interventions');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  assert.equal(await page.getByRole('checkbox').isChecked(), true);
  // The consent's help links the privacy notice, then comes the button.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '/donnees-personnelles');
  await page.keyboard.press('Tab');
  const button = page.getByRole('button', { name: "Je m'inscris" });
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'BUTTON');
  const submitted = page.waitForResponse((r) => r.url().endsWith('/registrations') && r.request().method() === 'POST');
  await page.keyboard.press('Enter');
  const response = await submitted;
  assert.equal(response.status(), 201);
  const body = await response.json();
  assert.deepEqual(Object.keys(body).sort(), ['calendar', 'dates', 'event_title', 'message', 'rank', 'sent_to', 'status']);
  assert.ok(!JSON.stringify(body).includes('inscription/'), 'no personal link in the response');
  assert.ok(!JSON.stringify(body).includes('visio.example.org'), 'no connection link in the response');
  assert.ok(!JSON.stringify(body).includes('camille.martin'), 'the address comes back masked only');

  // The confirmation page: what, when, where the email went, calendars, what next.
  await page.getByRole('heading', { level: 1, name: 'Inscription enregistrée' }).waitFor();
  assert.match(page.url(), /\/evenements\/webinaire-ceq-2030-ctg-restitution\/confirmation$/);
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  await page.getByText(/Un e-mail de confirmation vient d'être envoyé/).waitFor();
  await page.getByText('Articuler contrats engagements quartiers 2030', { exact: false }).first().waitFor();
  await page.getByText('c…@creil.example.fr').waitFor();
  await page.getByRole('link', { name: 'pas la bonne adresse ?' }).waitFor();
  const google = await page.getByRole('link', { name: /Google Agenda/ }).getAttribute('href');
  assert.match(google, /^https:\/\/calendar\.google\.com\/calendar\/render\?action=TEMPLATE&text=[^&]+&dates=\d{8}T\d{6}Z\/\d{8}T\d{6}Z/);
  assert.match(await page.getByRole('link', { name: /Outlook en ligne/ }).getAttribute('href'), /^https:\/\/outlook\.office\.com\//);
  await page.getByRole('link', { name: /Fichier calendrier \(\.ics\)/ }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Et ensuite ?' }).waitFor();
  assert.equal(await button.count(), 0);
  await expectAccessible(page, 'confirmation');
  // It survives a reload.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Inscription enregistrée' }).waitFor();
  await page.getByText('c…@creil.example.fr').waitFor();
  // « Inscrire un·e collègue »: the structure is filled in, the person is not.
  await page.getByRole('link', { name: 'Inscrire un·e collègue' }).click();
  await page.getByRole('heading', { level: 2, name: 'Inscription' }).waitFor();
  assert.equal(await page.getByLabel('Organisation / structure (obligatoire)').inputValue(), 'Ville de Creil');
  assert.equal(await page.getByLabel('Type de structure (obligatoire)').inputValue(), 'collectivite');
  assert.equal(await page.getByLabel('Prénom (obligatoire)').inputValue(), '');

  // The email: French dates, connection link, report, personal link, calendar file.
  const { email, raw } = await waitForEmail('camille.martin@creil.example.fr', /^Inscription confirmée/);
  assert.match(email.subject, /^Inscription confirmée : Articuler contrats engagements quartiers 2030/);
  const text = email.text;
  assert.match(text, /Bonjour Camille,/);
  assert.match(text, /(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2}(er)? [a-zéû]+ \d{4}, 16 h 30 – 18 h/);
  assert.match(text, /https:\/\/visio\.example\.org\/parvis\/webinaire-ceq-2030-ctg-restitution/);
  // The study, reserved to registrants: a link signed for this confirmed registrant.
  const reportLink = text.match(/https?:\/\/\S+\/api\/publications\/etude-ceq-2030-ctg-2025\/fichiers\/\S+\?expire=\d+&signature=[0-9a-f]{64}/);
  assert.ok(reportLink, text);
  assert.match(text, new RegExp(`${BASE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/inscription/[0-9a-f]{64}`));
  assert.match(text, /guillaume\.dejardin@lepoleressources\.fr/);
  const ics = email.attachments.find((a) => a.filename === 'invitation.ics');
  assert.ok(ics, 'the email carries invitation.ics');
  const calendar = calendarOf(raw);
  assert.match(calendar, /BEGIN:VCALENDAR\r\n/);
  assert.match(calendar, /DTSTART:\d{8}T1[45]3000Z\r\n/, 'a 16:30 Paris start is 14:30 or 15:30 UTC');
  assert.match(calendar.replace(/\r\n /g, ''), /visio\.example\.org/);

  // The study report is really served through that link.
  const report = await page.request.get(reportLink[0].replace(/^https?:\/\/[^/]+/, BASE));
  assert.equal(report.status(), 200);
  assert.match(report.headers()['content-type'], /application\/pdf/);
  assert.match(report.headers()['content-disposition'], /^attachment;/);
  const bytes = await report.body();
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.match(bytes.subarray(-1024).toString('latin1'), /%%EOF/);
  // The same file refused to whoever guesses its address without the signature.
  const guessed = await page.request.get(reportLink[0].replace(/^https?:\/\/[^/]+/, BASE).split('?')[0]);
  assert.equal(guessed.status(), 403);
  assert.notEqual((await guessed.body()).subarray(0, 5).toString('latin1'), '%PDF-');

  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('unknown pages and events say so accessibly', async () => {
  const page = await pages.newPage();
  await page.goto(`${BASE}/evenements/nulle-part`);
  await page.getByRole('heading', { level: 1, name: 'Événement introuvable' }).waitFor();
  await page.getByRole('alert').getByText(/n'existe pas/).waitFor();
  await expectAccessible(page, 'unknown event');
  await page.goto(`${BASE}/pas/de/page`);
  await page.getByRole('heading', { level: 1, name: 'Page introuvable' }).waitFor();
  await expectAccessible(page, 'not found');
  await page.close();
});
