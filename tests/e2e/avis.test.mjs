// The participants' side of feedback, `/avis/{token}`: on copies of the
// demo webinar, a registrant (registered through the public API) opens the
// personal link of the invitation email, answers part of a questionnaire
// with every kind of question (a matrix rated one row at a time, as a cycle
// participant answers day by day), sees a question appear and disappear
// with its condition, reloads (answers kept), submits too early (a focused
// summary whose links lead to each faulty question), completes and submits
// by keyboard (a focused confirmation saying answers can still be changed
// until the closing date), then finds the form read-only once the
// organiser closes it (a send after closing says so, focused). A second
// questionnaire, anonymous, states so; once submitted with the first link,
// the reminder's link says to use that one.
// axe-core on the fresh form, with errors, submitted and read-only; no
// horizontal scroll at 320 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, browserForTests, expectAccessible, registerByApi, signInAsOrganiser, waitForEmail,
} from './helpers.mjs';

const DEMO = 'webinaire-ceq-2030-ctg-restitution';
const pages = browserForTests();

const focused = (page) => page.evaluate(() => ({
  id: document.activeElement?.id ?? '',
  tag: document.activeElement?.tagName ?? '',
  className: document.activeElement?.className ?? '',
  text: document.activeElement?.textContent ?? '',
}));

/// The organiser's API: base path and CSRF header.
async function organiserApi(page) {
  const me = await (await page.request.get(`${BASE}/api/gestion/moi`)).json();
  return {
    headers: { 'x-parvis-csrf': me.csrf_token },
    base: `${BASE}/api/gestion/organisations/demo/evenements`,
  };
}

/// A published copy of the demo webinar, for this file alone.
async function eventOfOurOwn(page, name) {
  const { headers, base } = await organiserApi(page);
  const edition = await page.request.get(`${base}/${DEMO}/edition`);
  assert.equal(edition.status(), 200, await edition.text());
  const { draft } = await edition.json();
  const slug = `${name}-${Date.now().toString(36)}`;
  const created = await page.request.post(base, {
    headers,
    data: {
      ...draft, slug, title: 'Webinaire : avis des participant·es', questions: [], members_only: false,
      address_confirmation: false, capacity: '',
    },
  });
  assert.equal(created.status(), 201, await created.text());
  const published = await page.request.post(`${base}/${slug}/publier`, { headers, data: {} });
  assert.equal(published.status(), 200, await published.text());
  return slug;
}

/// Creates `questionnaire` on `slug`, sends it, and returns the personal
/// link emailed to `email`.
async function sendQuestionnaire(page, slug, questionnaire, email) {
  const { headers, base } = await organiserApi(page);
  const created = await page.request.post(`${base}/${slug}/avis`, { headers, data: { questionnaire } });
  assert.equal(created.status(), 201, await created.text());
  const sent = await page.request.post(`${base}/${slug}/avis/a-chaud/envoyer`, { headers, data: {} });
  assert.equal(sent.status(), 200, await sent.text());
  assert.equal((await sent.json()).sent, 1);
  const { email: message } = await waitForEmail(email, /^Votre avis sur/);
  const match = message.text.match(/\/avis\/[0-9a-f]{64}/);
  assert.ok(match, 'the email carries a personal feedback link');
  return `${BASE}${match[0]}`;
}

async function assertNoHorizontalScroll(page, what) {
  await page.setViewportSize({ width: 320, height: 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll('main *')]
    .filter((e) => e.getBoundingClientRect().right > 321)
    .slice(0, 5)
    .map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`));
  assert.ok(width <= 320, `${what} lays out at 320 px (${width} px): ${wide.join(', ')}`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/// Waits for the discreet status to say the answers are saved.
async function saved(page) {
  await page.locator('.save-status').getByText('Réponses enregistrées', { exact: true }).waitFor();
}

const CLOSES = '2099-12-20T23:59:00+01:00';

const EVERY_KIND = {
  kind: 'hot',
  title: 'Votre avis sur le webinaire',
  intro: 'Merci de prendre quelques minutes.\nVos réponses aident l\'équipe à préparer la suite.',
  anonymous: false,
  closes: CLOSES,
  questions: [
    { id: 'satisfaction', label: 'Êtes-vous satisfait·e du webinaire ?', required: true, help: 'Votre impression générale.',
      kind: { type: 'scale', min_label: 'Pas du tout satisfait·e', max_label: 'Très satisfait·e' } },
    { id: 'recommandation', label: 'Recommanderiez-vous ce webinaire à un·e collègue ?', required: true, kind: { type: 'recommend' } },
    { id: 'format', label: 'Quel format préférez-vous ?', kind: { type: 'single', options: ['À distance', 'En présentiel'], other: true } },
    { id: 'themes', label: 'Quels thèmes vous intéressent ?', kind: { type: 'multiple', options: ['Emploi', 'Habitat', 'Éducation'], other: true } },
    { id: 'suite', label: 'Souhaitez-vous une suite ?', required: true, kind: { type: 'yes_no' } },
    { id: 'sujets', label: 'Sur quels sujets ?', required: true, kind: { type: 'long_text' },
      condition: { question: 'suite', equals: true } },
    { id: 'structure', label: 'Nom de votre structure', kind: { type: 'short_text' } },
    { id: 'collegues', label: 'Combien de collègues informerez-vous ?', kind: { type: 'number', min: 0, max: 100 } },
    { id: 'jours', label: 'Notez chaque journée', required: true,
      kind: { type: 'matrix', rows: ['Jour 1', 'Jour 2'], min_label: 'Décevante', max_label: 'Excellente' } },
  ],
};

test('a participant answers as they go, comes back, submits by keyboard, and reads their answers once closed', async () => {
  const page = await pages.newPage();
  await signInAsOrganiser(page);
  const slug = await eventOfOurOwn(page, 'avis-participant');
  const email = `avis-participant-${Date.now().toString(36)}@exemple.fr`;
  const accepted = await registerByApi(slug, { first_name: 'Alix', last_name: 'Retour', email });
  assert.equal(accepted.status, 'confirmed');
  const link = await sendQuestionnaire(page, slug, EVERY_KIND, email);

  // Fresh: titles, intro, the notice saying answers are named, the questions.
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Votre avis sur le webinaire' }).waitFor();
  assert.equal(await page.title(), 'Votre avis sur le webinaire – Parvis');
  await page.getByText('Webinaire : avis des participant·es').waitFor();
  await page.getByText('Merci de prendre quelques minutes.').waitFor();
  await page.getByText(/n'est pas anonyme : l'équipe organisatrice voit vos réponses/).waitFor();
  const satisfaction = page.getByRole('group', { name: 'Êtes-vous satisfait·e du webinaire ? (obligatoire)' });
  await satisfaction.getByRole('radio', { name: '5 – Très satisfait·e' }).waitFor();
  assert.equal(await satisfaction.getAttribute('aria-describedby'), 'champ-answers-satisfaction-aide');
  await page.getByText('Votre impression générale. De 1 (Pas du tout satisfait·e) à 5 (Très satisfait·e).').waitFor();
  const recommend = page.getByRole('group', { name: /^Recommanderiez-vous/ });
  assert.equal(await recommend.getByRole('radio').count(), 11);
  await page.getByRole('group', { name: 'Notez chaque journée (obligatoire)' })
    .getByRole('group', { name: 'Jour 2' }).getByRole('radio', { name: '5 – Excellente' }).waitFor();
  // The conditional question is hidden until its condition is met.
  assert.equal(await page.getByLabel('Sur quels sujets ? (obligatoire)').count(), 0);
  await expectAccessible(page, 'the feedback form, fresh');
  await assertNoHorizontalScroll(page, 'the feedback form');

  // A partial answer, by keyboard: a rating, one row of the matrix, a choice
  // with « Autre », a condition met then unmet.
  await satisfaction.getByRole('radio', { name: '4', exact: true }).press('Space');
  const day1 = page.getByRole('group', { name: 'Jour 1' });
  await day1.getByRole('radio', { name: '3', exact: true }).press('Space');
  await page.getByLabel('Autre, précisez :').fill('Hybride');
  await page.getByRole('group', { name: 'Quels thèmes vous intéressent ? (facultatif)' })
    .getByRole('checkbox', { name: 'Habitat' }).press('Space');
  const suite = page.getByRole('group', { name: 'Souhaitez-vous une suite ? (obligatoire)' });
  await suite.getByRole('radio', { name: 'Oui' }).press('Space');
  await page.getByLabel('Sur quels sujets ? (obligatoire)').waitFor();
  await suite.getByRole('radio', { name: 'Non' }).press('Space');
  await page.getByLabel('Sur quels sujets ? (obligatoire)').waitFor({ state: 'detached' });
  await saved(page);

  // Kept on reload: the partial matrix too.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Votre avis sur le webinaire' }).waitFor();
  assert.equal(await satisfaction.getByRole('radio', { name: '4', exact: true }).isChecked(), true);
  assert.equal(await day1.getByRole('radio', { name: '3', exact: true }).isChecked(), true);
  assert.equal(await page.getByRole('group', { name: 'Jour 2' }).locator('input:checked').count(), 0);
  assert.equal(await page.getByRole('radio', { name: 'Autre' }).isChecked(), true);
  assert.equal(await page.getByLabel('Autre, précisez :').inputValue(), 'Hybride');
  assert.equal(await page.getByRole('checkbox', { name: 'Habitat' }).isChecked(), true);
  assert.equal(await suite.getByRole('radio', { name: 'Non' }).isChecked(), true);

  // Submitted too early: the summary takes the focus and lists the
  // required questions left, each link leading to its question.
  await page.getByRole('button', { name: 'Envoyer mes réponses' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
  const summary = page.locator('.error-summary');
  await summary.getByRole('heading', { name: "Vos réponses n'ont pas pu être envoyées" }).waitFor();
  const lines = await summary.getByRole('link').allTextContents();
  assert.deepEqual(lines, [
    'La question « Recommanderiez-vous ce webinaire à un·e collègue ? » demande une réponse.',
    'La réponse à « Notez chaque journée » doit noter chaque ligne, dont « Jour 2 ».',
  ]);
  await page.locator('#champ-answers-recommandation-erreur').waitFor();
  await expectAccessible(page, 'the feedback form with errors');
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).text, lines[0]);
  await page.keyboard.press('Enter');
  assert.equal((await focused(page)).id, 'champ-answers-recommandation-0');
  // From the first 0–10 radio, the arrows choose 9.
  for (let i = 0; i < 9; i += 1) await page.keyboard.press('ArrowRight');
  assert.equal(await recommend.getByRole('radio', { name: '9', exact: true }).isChecked(), true);
  await summary.getByRole('link', { name: /Notez chaque journée/ }).press('Enter');
  assert.equal((await focused(page)).id, 'champ-answers-jours-ligne-0-1');
  await page.getByRole('group', { name: 'Jour 2' }).getByRole('radio', { name: '5 – Excellente' }).press('Space');
  await page.getByLabel('Combien de collègues informerez-vous ? (facultatif)').fill('3');

  // Sent by keyboard: a focused confirmation; answers stay changeable.
  await page.getByRole('button', { name: 'Envoyer mes réponses' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.tagName === 'H2'
    && document.activeElement.textContent === 'Merci, vos réponses ont été envoyées');
  await page.getByText(/Vous pouvez encore les modifier jusqu'au dimanche 20 décembre 2099 à 23 h 59/).waitFor();
  assert.equal(await summary.isHidden(), true);
  await expectAccessible(page, 'the feedback form, submitted');
  await assertNoHorizontalScroll(page, 'the submitted feedback form');
  await page.reload();
  await page.getByText(/Vous avez envoyé vos réponses. Vous pouvez encore les modifier/).waitFor();
  assert.equal(await recommend.getByRole('radio', { name: '9', exact: true }).isChecked(), true);
  assert.equal(await page.getByLabel('Combien de collègues informerez-vous ? (facultatif)').inputValue(), '3');

  // Closed by the organiser while the page is open: sending again says so
  // (focused) and the form turns read-only; so it stays, answers shown.
  const { headers, base } = await organiserApi(page);
  const closed = await page.request.post(`${base}/${slug}/avis/a-chaud/fermer`, { headers, data: {} });
  assert.equal(closed.status(), 200, await closed.text());
  await page.getByLabel('Nom de votre structure (facultatif)').fill('Ville de Creil');
  await page.getByRole('button', { name: 'Envoyer mes réponses' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('read-only')
    && document.activeElement.textContent === 'Ce questionnaire est clos : vos réponses ne peuvent plus être modifiées.');
  assert.equal(await page.getByLabel('Nom de votre structure (facultatif)').isDisabled(), true);
  assert.equal(await page.locator('.error-summary').isHidden(), true);
  await page.reload();
  await page.getByText('Ce questionnaire est clos : vos réponses ne peuvent plus être modifiées.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Envoyer mes réponses' }).count(), 0);
  assert.equal(await satisfaction.getByRole('radio', { name: '4', exact: true }).isChecked(), true);
  assert.equal(await satisfaction.getByRole('radio', { name: '4', exact: true }).isDisabled(), true);
  assert.equal(await page.getByLabel('Combien de collègues informerez-vous ? (facultatif)').isDisabled(), true);
  await expectAccessible(page, 'the feedback form, read-only');
  await assertNoHorizontalScroll(page, 'the read-only feedback form');
  await page.close();
});

test('an anonymous questionnaire says so; an unknown link says why it opens nothing', async () => {
  const page = await pages.newPage();
  await signInAsOrganiser(page);
  const slug = await eventOfOurOwn(page, 'avis-anonyme');
  const email = `avis-anonyme-${Date.now().toString(36)}@exemple.fr`;
  await registerByApi(slug, { first_name: 'Bastien', last_name: 'Retour', email });
  const link = await sendQuestionnaire(page, slug, {
    kind: 'hot', title: 'Votre avis, anonymement', anonymous: true,
    questions: [{ id: 'utile', label: 'Ce webinaire vous a-t-il été utile ?', required: true, kind: { type: 'yes_no' } }],
  }, email);
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Votre avis, anonymement' }).waitFor();
  await page.getByText('Ce questionnaire est anonyme : vos réponses ne sont pas associées à votre nom.').waitFor();
  // Every request carries this browser's key, made once.
  const key = await page.evaluate(() => localStorage.getItem('parvis-navigateur'));
  assert.match(key, /^[0-9a-f]{32}$/);
  const put = page.waitForRequest((r) => r.method() === 'PUT' && r.url().includes('/api/avis/'));
  await page.getByRole('radio', { name: 'Oui' }).press('Space');
  assert.equal((await put).headers()['x-parvis-navigateur'], key);
  // The one reminder, with a second link, goes out before submission.
  const { headers, base } = await organiserApi(page);
  const reminded = await page.request.post(`${base}/${slug}/avis/a-chaud/relancer`, { headers, data: {} });
  assert.equal(reminded.status(), 200, await reminded.text());
  const { email: reminder } = await waitForEmail(email, /^Rappel : votre avis sur/);
  const second = `${BASE}${reminder.text.match(/\/avis\/[0-9a-f]{64}/)[0]}`;
  assert.notEqual(second, link);
  await page.getByRole('button', { name: 'Envoyer mes réponses' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.textContent === 'Merci, vos réponses ont été envoyées');
  await page.getByText(/Vous pouvez encore les modifier tant que le questionnaire est ouvert/).waitFor();
  await expectAccessible(page, 'the anonymous feedback form, submitted');

  // Submitted with the first link: the reminder's link says to use that one.
  await page.goto(second);
  await page.getByText("Vous avez déjà envoyé vos réponses avec l'autre lien reçu par e-mail", { exact: false }).waitFor();
  assert.equal(await page.getByRole('radio').count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Envoyer mes réponses' }).count(), 0);
  await expectAccessible(page, 'a reminder link once answered with the other');

  await page.goto(`${BASE}/avis/${'0'.repeat(64)}`);
  await page.getByRole('heading', { level: 1, name: 'Questionnaire introuvable' }).waitFor();
  await page.getByRole('alert').getByText("Ce lien de questionnaire n'est pas valide ou a expiré.", { exact: false }).waitFor();
  await expectAccessible(page, 'an unknown feedback link');
  await page.close();
});
