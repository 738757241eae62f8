// The newsletter (« lettre d'information »): a reader signs up through the
// API and confirms with the button of the emailed link's page (opening it
// confirms nothing); the organiser, from the dashboard, is told which
// fields are missing, previews an issue exactly as it will leave, confirms
// the sending that names the number of recipients, and sees it listed; the
// reader's email carries both List-Unsubscribe headers and a link whose
// page unsubscribes with its button. axe-core on the back-office page and
// on the confirmation and unsubscribe pages, at 1280 and 320 px, with no
// horizontal scroll. From the publications catalogue, a newcomer's empty
// sign-up gets a focused summary naming both fields, then a focused
// confirmation and the email (the form axe-checked at both widths).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, browserForTests, expectAccessible, signInAsOrganiser, waitForEmail,
} from './helpers.mjs';

const pages = browserForTests();

const focused = (page) => page.evaluate(() => ({
  id: document.activeElement?.id ?? '',
  tag: document.activeElement?.tagName ?? '',
  className: document.activeElement?.className ?? '',
  text: document.activeElement?.textContent ?? '',
}));

async function accessibleAtBothWidths(page, what) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectAccessible(page, `${what} at 1280 px`);
  await page.setViewportSize({ width: 320, height: 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 320, `${what} lays out at 320 px (${width} px)`);
  await expectAccessible(page, `${what} at 320 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function signUp(address) {
  const response = await fetch(`${BASE}/api/lettre`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organisation: 'demo', email: address, consent: true }),
  });
  assert.equal(response.status, 202, await response.text());
  const { email } = await waitForEmail(address, /Confirmez votre inscription/);
  const token = email.text.match(/\/lettre\/confirmer\/([0-9a-f]{64})/)?.[1];
  assert.ok(token, 'the confirmation email carries its link');
  return token;
}

test('a reader confirms, an organiser previews and sends an issue, the reader leaves in one click', async () => {
  const page = await pages.newPage();
  const stamp = Date.now().toString(36);
  const reader = `lectrice-${stamp}@exemple.fr`;

  // The link's page asks; only its button confirms.
  const token = await signUp(reader);
  await page.goto(`${BASE}/lettre/confirmer/${token}`);
  await page.getByRole('heading', { level: 1, name: 'Confirmer votre inscription' }).waitFor();
  await accessibleAtBothWidths(page, 'the confirmation page');
  await page.getByRole('button', { name: 'Confirmer mon inscription' }).press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Inscription confirmée' }).waitFor();
  assert.match(await page.locator('main').textContent(), /Vous recevrez la lettre d'information/);
  await accessibleAtBothWidths(page, 'the confirmed page');

  // The dashboard leads to the newsletter.
  await signInAsOrganiser(page);
  await page.goto(`${BASE}/gestion/`);
  await page.locator('a[href="/gestion/organisations/demo/lettre"]').first().click();
  await page.getByRole('heading', { level: 1, name: "Lettre d'information" }).waitFor();
  await page.locator('#abonnes-confirmes').waitFor();
  const confirmed = Number(await page.locator('#abonnes-confirmes').textContent());
  assert.ok(confirmed >= 1, `${confirmed} confirmed`);
  await accessibleAtBothWidths(page, 'the newsletter page');

  // Nothing typed: the focused notice names the fields, each says why.
  await page.getByRole('button', { name: 'Prévisualiser la lettre' }).click();
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice'));
  assert.match((await focused(page)).text, /corrigez les champs signalés \(Objet, Texte\)/);
  assert.match(await page.locator('#champ-objet-erreur').textContent(), /Indiquez l'objet/);

  // The preview is the email as it will leave.
  const subject = `Lettre de test ${stamp}`;
  await page.getByLabel('Objet (obligatoire)').fill(subject);
  await page.getByLabel('Texte (obligatoire)').fill('## Au sommaire\n\nUne journée sur les **CTG**.');
  await page.getByRole('button', { name: 'Prévisualiser la lettre' }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'apercu-titre');
  const preview = await page.locator('.message-preview').textContent();
  assert.match(preview, /^Au sommaire\n-+\n\nUne journée sur les CTG\.\n\n-- \n/);
  assert.match(preview, /Se désinscrire en un clic/);
  const people = `${confirmed} personne${confirmed > 1 ? 's' : ''}`;
  await accessibleAtBothWidths(page, 'the preview');

  // Sending asks first, naming how many receive it.
  await page.getByRole('button', { name: `Envoyer à ${people}…` }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'confirmer-envoi-titre');
  assert.match(await page.locator('.confirm').textContent(), new RegExp(`part maintenant à ${people}`));
  await expectAccessible(page, 'the confirmation step');
  await page.getByRole('button', { name: 'Oui, envoyer maintenant' }).click();
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && /mis en file d'envoi/.test(document.activeElement.textContent));
  await page.getByRole('cell', { name: subject }).waitFor();
  await accessibleAtBothWidths(page, 'the newsletter page after sending');

  // The reader's issue: both headers, and a link to a page with a button.
  const { email, raw } = await waitForEmail(reader, new RegExp(subject));
  assert.match(raw, /List-Unsubscribe: <http:\/\/[^>]+\/api\/lettre\/desinscription\/[0-9a-f]{64}>/);
  assert.match(raw, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
  const leave = email.text.match(/\/lettre\/desinscription\/[0-9a-f]{64}/)?.[0];
  assert.ok(leave, 'the issue carries its unsubscribe link');
  await page.goto(`${BASE}${leave}`);
  await page.getByRole('heading', { level: 1, name: "Se désinscrire de la lettre d'information" }).waitFor();
  await accessibleAtBothWidths(page, 'the unsubscribe page');
  await page.getByRole('button', { name: 'Me désinscrire' }).press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Désinscription faite' }).waitFor();
  await accessibleAtBothWidths(page, 'the unsubscribed page');
});

test('a newcomer signs up from the publications catalogue and is told so, errors first', async () => {
  const page = await pages.newPage();
  const reader = `lecteur-${Date.now().toString(36)}@exemple.fr`;
  await page.goto(`${BASE}/publications`);
  const form = page.locator('.lettre-inscription');
  await form.getByRole('heading', { name: "Recevoir la lettre d'information" }).waitFor();

  // Sent empty: a focused summary names both fields, each linked.
  await form.getByRole('button', { name: "M'inscrire" }).click();
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
  const summary = await page.locator('.lettre-inscription .error-summary').textContent();
  assert.match(summary, /Adresse e-mail : L'adresse e-mail est obligatoire/);
  assert.match(summary, /Consentement : Cochez la case/);
  await scopedAccessible(page, 'the sign-up form with its errors');

  // The consent box is labelled by the whole sentence.
  await form.getByLabel('Adresse e-mail (obligatoire)').fill(reader);
  await form.getByRole('checkbox', { name: /J'accepte de recevoir par e-mail la lettre d'information de .+ je peux me désinscrire à tout moment/ }).check();
  await form.getByRole('button', { name: "M'inscrire" }).click();
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && /Merci ! Si cette adresse n'est pas déjà inscrite/.test(document.activeElement.textContent));
  await scopedAccessible(page, 'the sign-up form once sent');
  await waitForEmail(reader, /Confirmez votre inscription/);
});

async function scopedAccessible(page, what) {
  const { AxeBuilder } = await import('@axe-core/playwright');
  for (const width of [1280, 320]) {
    await page.setViewportSize({ width, height: 900 });
    const results = await new AxeBuilder({ page }).include('.lettre-inscription')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    const found = results.violations.map((v) => `${v.id}: ${v.help}`);
    assert.deepEqual(found, [], `axe-core violations on ${what} at ${width} px`);
    const wide = await page.evaluate(() => [...document.querySelectorAll('.lettre-inscription *')]
      .some((e) => e.getBoundingClientRect().right > window.innerWidth + 1));
    assert.ok(!wide, `${what} fits ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}
