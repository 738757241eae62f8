// The organisers' side of feedback: on a copy of the demo webinar with four
// registrants, the organiser creates the hot questionnaire from a template
// (the focus lands on what happened), empties a question's label and sees
// the error next to it and in the focused summary, corrects it, previews the
// form, sends after a confirmation step (focused), and once three
// participants have submitted through their emailed links and a fourth has
// only saved, the dashboard shows exactly the figures those answers imply:
// counts, the distribution table, mean, median and the recommendation
// score; the one who has not submitted is reminded from there. axe-core on
// the list, the editor and the dashboard; no horizontal scroll at 320 px.
// A cold follow-up is compared with the hot questionnaire, and a cycle's
// questionnaire, answered day by day, gives one row per day.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, browserForTests, emailsTo, expectAccessible, registerByApi, signInAsOrganiser, waitForEmail,
  waitForFocusOn,
} from './helpers.mjs';

const DEMO = 'webinaire-ceq-2030-ctg-restitution';
const pages = browserForTests();

const focused = (page) => page.evaluate(() => ({
  id: document.activeElement?.id ?? '',
  className: document.activeElement?.className ?? '',
  text: document.activeElement?.textContent ?? '',
}));

/// A published copy of the demo webinar, for this test alone (other files
/// use the demo events' questionnaires and registrants).
async function eventOfOurOwn(page) {
  const me = await (await page.request.get(`${BASE}/api/gestion/moi`)).json();
  const headers = { 'x-parvis-csrf': me.csrf_token };
  const base = `${BASE}/api/gestion/organisations/demo/evenements`;
  const edition = await page.request.get(`${base}/${DEMO}/edition`);
  assert.equal(edition.status(), 200, await edition.text());
  const { draft } = await edition.json();
  const slug = `avis-gestion-${Date.now().toString(36)}`;
  const created = await page.request.post(base, {
    headers,
    data: {
      ...draft, slug, title: 'Webinaire : retours sur les CEQ 2030', questions: [], members_only: false,
      address_confirmation: false, capacity: '',
    },
  });
  assert.equal(created.status(), 201, await created.text());
  const published = await page.request.post(`${base}/${slug}/publier`, { headers, data: {} });
  assert.equal(published.status(), 200, await published.text());
  return slug;
}

/// Takes an event of this file off the public agenda, which the other files
/// read (its questionnaires and results stay).
async function unpublish(page, slug) {
  const me = await (await page.request.get(`${BASE}/api/gestion/moi`)).json();
  const done = await page.request.post(`${BASE}/api/gestion/organisations/demo/evenements/${slug}/depublier`, {
    headers: { 'x-parvis-csrf': me.csrf_token }, data: {},
  });
  assert.equal(done.status(), 200, await done.text());
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

/// Whether a question is shown given `answers` (its condition met).
function shown(question, answers) {
  const c = question.condition;
  if (!c) return true;
  const answer = answers[c.question];
  if (typeof c.equals === 'boolean') return answer === c.equals;
  return answer === c.equals || (Array.isArray(answer) && answer.includes(c.equals));
}

/// Answers every required question shown, with `given` first.
function answersFor(questionnaire, given) {
  const answers = { ...given };
  for (const q of questionnaire.questions) {
    if (q.id in answers || !q.required || !shown(q, answers)) continue;
    const k = q.kind;
    answers[q.id] = {
      scale: 4, recommend: 8, single: k.options?.[0], multiple: [k.options?.[0]], yes_no: false,
      short_text: 'Oui', long_text: 'Rien à ajouter.', number: k.min ?? 1,
      matrix: Object.fromEntries((k.rows ?? []).map((r) => [r, 4])),
    }[k.type];
  }
  return answers;
}

async function answer(token, given, submit) {
  const form = await (await fetch(`${BASE}/api/avis/${token}`)).json();
  const response = await fetch(`${BASE}/api/avis/${token}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ answers: submit ? answersFor(form.questionnaire, given) : given, submit }),
  });
  assert.equal(response.status, 200, await response.text());
}

const tokenIn = (email) => {
  const match = email.text.match(/\/avis\/([0-9a-f]{64})/);
  assert.ok(match, 'the email carries a personal feedback link');
  return match[1];
};

test('an organiser creates, edits, previews and sends a hot questionnaire, then reads exactly its figures', async () => {
  const page = await pages.newPage();
  await signInAsOrganiser(page);
  const slug = await eventOfOurOwn(page);
  const stamp = Date.now().toString(36);
  const people = ['Alix', 'Bastien', 'Chloé', 'Dounia'].map((first) => ({
    first, email: `avis-${first.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}-${stamp}@exemple.fr`,
  }));
  for (const p of people) {
    const accepted = await registerByApi(slug, { first_name: p.first, last_name: 'Retour', email: p.email });
    assert.equal(accepted.status, 'confirmed');
  }

  // The event's page leads to its questionnaires.
  await page.goto(`${BASE}/gestion/organisations/demo/evenements/${slug}`);
  await page.getByRole('navigation', { name: "Pages de l'événement" }).getByRole('link', { name: 'Avis' }).click();
  await page.getByRole('heading', { level: 1, name: 'Avis des participant·es' }).waitFor();
  await page.getByText("Cet événement n'a pas encore de questionnaire.").waitFor();
  await expectAccessible(page, 'the questionnaires of an event, none yet');

  // Created from a template by keyboard: the focus lands on what happened.
  await page.getByLabel('Modèle de départ (obligatoire)').selectOption('webinaire');
  await page.getByRole('button', { name: 'Créer le questionnaire' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && /questionnaire à chaud est créé à partir du modèle \(10 questions\)/.test(document.activeElement.textContent));
  const card = page.getByRole('region', { name: 'Questionnaire à chaud' });
  await card.getByText('Votre avis sur le webinaire').waitFor();
  const facts = card.locator('dl.facts');
  await facts.getByText('En préparation').waitFor();
  await facts.getByText(/^Envoi automatique prévu le (lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d/).waitFor();
  await facts.getByText('2 heures après la fin de la dernière séance').waitFor();
  await facts.getByText('Relance automatique 7 jours après l\'envoi').waitFor();
  // Only the cold template is left to offer.
  const offered = await page.getByLabel('Modèle de départ (obligatoire)').locator('option').allTextContents();
  assert.deepEqual(offered, ['Choisissez…', 'Suivi à froid, quelques semaines après (à froid)']);
  await expectAccessible(page, 'the questionnaires of an event');
  await assertNoHorizontalScroll(page, 'the questionnaires of an event');

  // The editor: an emptied label is refused, next to its field and in the
  // focused summary, whose link leads back to it.
  await card.getByRole('link', { name: 'Modifier le questionnaire' }).click();
  await page.getByRole('heading', { level: 1, name: 'Modifier le questionnaire à chaud' }).waitFor();
  const label = page.locator('#champ-questions-0-label');
  assert.equal(await label.inputValue(), "Dans l'ensemble, êtes-vous satisfait ou satisfaite de ce webinaire ?");
  assert.equal(await page.locator('#champ-questions-0-kind').inputValue(), 'scale');
  await label.fill('');
  await label.press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
  const summary = page.locator('.error-summary');
  await summary.getByRole('link', { name: /^Question 1 › Intitulé : / }).waitFor();
  await page.locator('#champ-questions-0-label-erreur').waitFor();
  assert.equal(await label.getAttribute('aria-invalid'), 'true');
  await expectAccessible(page, 'the questionnaire editor with an error');
  await summary.getByRole('link', { name: /^Question 1 › Intitulé/ }).press('Enter');
  assert.equal((await focused(page)).id, 'champ-questions-0-label');
  await page.keyboard.type('Êtes-vous satisfait·e de ce webinaire ?');
  // The recommendation question moves up one place, by keyboard; the focus
  // follows it.
  await page.getByRole('button', { name: 'Monter la question 6' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'question-4-monter');
  assert.equal(await page.locator('#champ-questions-4-label').inputValue(), 'Recommanderiez-vous ce type de webinaire à un ou une collègue ?');
  await page.getByRole('button', { name: 'Enregistrer le questionnaire' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && document.activeElement.textContent.includes('Le questionnaire est enregistré.'));
  assert.equal(await page.locator('.error-summary').isHidden(), true);

  // The preview shows the form as participants will see it.
  await page.getByRole('button', { name: "Afficher l'aperçu" }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'apercu-questionnaire');
  const preview = page.getByRole('region', { name: 'Aperçu du formulaire' });
  await preview.getByText('Êtes-vous satisfait·e de ce webinaire ?', { exact: false }).first().waitFor();
  await expectAccessible(page, 'the questionnaire editor with its preview');
  await assertNoHorizontalScroll(page, 'the questionnaire editor');

  // Sent after a confirmation step saying who receives it.
  await page.goto(`${BASE}/gestion/organisations/demo/evenements/${slug}/avis`);
  await page.getByRole('button', { name: 'Envoyer le questionnaire…' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'confirmation-a-chaud');
  assert.equal((await focused(page)).text, "Confirmer l'envoi");
  await page.getByText(/toutes les personnes inscrites et confirmées/).waitFor();
  await page.getByRole('button', { name: 'Oui, envoyer maintenant' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && document.activeElement.textContent.includes('Questionnaire envoyé à 4 personnes'));
  await page.getByRole('region', { name: 'Questionnaire à chaud' }).locator('dl.facts').getByText(/^Envoyé le /).waitFor();

  // The event-wide link, for a webinar's chat: published, shown, withdrawn.
  const sentCard = page.getByRole('region', { name: 'Questionnaire à chaud' });
  await sentCard.getByRole('button', { name: 'Publier un lien public' }).click();
  await waitForFocusOn(page, 'Le lien public est publié');
  assert.match(await sentCard.locator('a.public-link').textContent(), /^http:\/\/[^/]+\/avis\/[0-9a-f]{64}$/);
  await sentCard.getByRole('button', { name: 'Retirer le lien public' }).click();
  await waitForFocusOn(page, 'Le lien public est retiré');
  await sentCard.getByText('Pas de lien public').waitFor();

  // Three submit, the fourth only saves on the way.
  const tokens = [];
  for (const p of people) tokens.push(tokenIn((await waitForEmail(p.email, /^Votre avis sur/)).email));
  await answer(tokens[0], { satisfaction: 5, recommandation: 10, 'points-forts': 'Les échanges entre pairs.' }, true);
  await answer(tokens[1], { satisfaction: 4, recommandation: 9 }, true);
  await answer(tokens[2], { satisfaction: 3, recommandation: 5, 'points-forts': 'La clarté de la restitution.' }, true);
  await answer(tokens[3], { satisfaction: 2 }, false);

  // The dashboard: exactly those figures.
  await page.getByRole('region', { name: 'Questionnaire à chaud' }).getByRole('link', { name: 'Voir les résultats' }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultats du questionnaire à chaud' }).waitFor();
  const participation = page.getByRole('region', { name: 'Participation' });
  const fact = async (name) => participation.locator('dt', { hasText: name }).locator('xpath=following-sibling::dd[1]').textContent();
  assert.equal(await fact('Personnes sollicitées'), '4');
  assert.equal(await fact('Réponses envoyées'), '3');
  assert.equal(await fact('Réponses en cours'), '1');
  assert.equal(await fact('Taux de réponse'), '75 %');

  const satisfaction = page.getByRole('region', { name: '1. Êtes-vous satisfait·e de ce webinaire ?' });
  await satisfaction.getByText('3 réponses', { exact: true }).waitFor();
  const ratings = satisfaction.getByRole('table', { name: 'Répartition des notes : Êtes-vous satisfait·e de ce webinaire ?' });
  const rows = await ratings.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows, [
    ['1 – Pas du tout satisfait·e', '0', '0 %'],
    ['2', '0', '0 %'],
    ['3', '1', '33 %'],
    ['4', '1', '33 %'],
    ['5 – Très satisfait·e', '1', '33 %'],
  ]);
  const stat = async (region, name) => region.locator('dt', { hasText: name }).first().locator('xpath=following-sibling::dd[1]').textContent();
  assert.equal(await stat(satisfaction, 'Moyenne'), '4 sur 5');
  assert.equal(await stat(satisfaction, 'Médiane'), '4 sur 5');
  const chart = satisfaction.getByRole('img', { name: /^Répartition des notes de 1 à 5 : Êtes-vous satisfait·e/ });
  await chart.waitFor();
  assert.match(await chart.locator('desc').textContent(), /3 notes\. 1 – Pas du tout satisfait·e : 0 ; 2 : 0 ; 3 : 1 ; 4 : 1 ; 5 – Très satisfait·e : 1\. Moyenne 4, médiane 4\./);

  const recommendation = page.getByRole('region', { name: /^5\. Recommanderiez-vous/ });
  assert.equal(await stat(recommendation, 'Score de recommandation'), '+33');
  assert.equal(await stat(recommendation, 'Promoteurs'), '2');
  assert.equal(await stat(recommendation, 'Passifs'), '0');
  assert.equal(await stat(recommendation, 'Détracteurs'), '1');
  assert.equal(await stat(recommendation, 'Moyenne'), '8 sur 10');
  const scores = await recommendation.getByRole('table').locator('tbody tr td:nth-child(2)').allTextContents();
  assert.deepEqual(scores, ['0', '0', '0', '0', '0', '1', '0', '0', '0', '1', '1']);

  const strengths = page.getByRole('region', { name: /^\d+\. Qu'avez-vous le plus apprécié/ });
  assert.deepEqual(await strengths.locator('ul.texts li').allTextContents(), ['Les échanges entre pairs.', 'La clarté de la restitution.']);

  // Named mode: breakdowns, and who has not submitted, reminded from here.
  await page.getByRole('table', { name: 'Par type de structure' }).getByRole('rowheader', { name: /^Collectivité/ }).waitFor();
  const missing = page.getByRole('region', { name: "Personnes qui n'ont pas répondu (1)" });
  assert.deepEqual(await missing.locator('li').allTextContents(), [`Dounia Retour (${people[3].email})`]);
  const exportLink = await page.getByRole('link', { name: 'Réponses : CSV pour Excel (séparateur point-virgule)' }).getAttribute('href');
  assert.equal(exportLink, `/api/gestion/organisations/demo/evenements/${slug}/avis/a-chaud/export.csv?dialecte=excel`);
  assert.match(await page.getByRole('link', { name: 'Synthèse des chiffres : classeur Excel (XLSX)' }).getAttribute('href'), /\/avis\/a-chaud\/synthese\.xlsx$/);
  await expectAccessible(page, 'the results dashboard');
  await assertNoHorizontalScroll(page, 'the results dashboard');

  await missing.getByRole('button', { name: 'Relancer' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && document.activeElement.textContent.includes('Relance envoyée à 1 personne'));
  await waitForEmail(people[3].email, /^Rappel : votre avis sur/);
  await page.getByRole('region', { name: "Personnes qui n'ont pas répondu (1)" }).getByText('déjà relancé·e', { exact: false }).waitFor();

  // A cold follow-up on the same event, sent and answered once: both
  // dashboards compare the questions the two share.
  await page.goto(`${BASE}/gestion/organisations/demo/evenements/${slug}/avis`);
  await page.getByLabel('Modèle de départ (obligatoire)').selectOption('a-froid');
  await page.getByRole('button', { name: 'Créer le questionnaire' }).click();
  await waitForFocusOn(page, /questionnaire à froid est créé/);
  const cold = page.getByRole('region', { name: 'Questionnaire à froid' });
  await cold.getByText("60 jours après la fin de l'événement").waitFor();
  await cold.getByRole('button', { name: 'Envoyer le questionnaire…' }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'confirmation-a-froid');
  await page.getByRole('button', { name: 'Oui, envoyer maintenant' }).click();
  await waitForFocusOn(page, 'Questionnaire envoyé à 4 personnes');
  let coldToken;
  for (let tries = 0; tries < 100 && !coldToken; tries += 1) {
    coldToken = (await emailsTo(people[0].email)).map(({ email }) => email.text.match(/\/avis\/([0-9a-f]{64})/)?.[1])
      .find((t) => t && t !== tokens[0]);
    if (!coldToken) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(coldToken, 'the cold questionnaire is emailed with a link of its own');
  await answer(coldToken, { satisfaction: 2 }, true);
  for (const avis of ['a-chaud', 'a-froid']) {
    await page.goto(`${BASE}/gestion/organisations/demo/evenements/${slug}/avis/${avis}/resultats`);
    const compared = page.getByRole('table', { name: "Les mêmes questions, à la fin de l'événement et quelques semaines après" });
    await compared.waitFor();
    const cells = await compared.locator('tbody tr').first().locator('th, td').allTextContents();
    assert.deepEqual(cells, ['Êtes-vous satisfait·e de ce webinaire ?', 'moyenne 4 sur 5', '3', 'moyenne 2 sur 5', '1']);
  }
  await expectAccessible(page, 'the cold results dashboard with its comparison');

  // Printed, the tools are left out and the figures kept.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByRole('button', { name: 'Imprimer le bilan' }).isVisible(), false);
  assert.equal(await page.locator('table.figures').first().isVisible(), true);
  assert.equal(await page.getByRole('link', { name: 'Réponses : JSON' }).isVisible(), false);
  await page.emulateMedia({ media: 'screen' });
  await unpublish(page, slug);
});

test("a cycle's questionnaire rates each day, answered day by day, and its dashboard gives one row per day", async () => {
  const page = await pages.newPage();
  await signInAsOrganiser(page);
  const me = await (await page.request.get(`${BASE}/api/gestion/moi`)).json();
  const headers = { 'x-parvis-csrf': me.csrf_token };
  const base = `${BASE}/api/gestion/organisations/demo/evenements`;
  const { draft } = await (await page.request.get(`${base}/cycle-qualification-contrat-de-ville-prochaine-session/edition`)).json();
  const slug = `avis-cycle-${Date.now().toString(36)}`;
  const created = await page.request.post(base, {
    headers,
    data: {
      ...draft, slug, title: 'Cycle : avis jour par jour', questions: [], day_selection: false, members_only: false, waitlist: false,
      address_confirmation: false, sessions: draft.sessions.map((s) => ({ ...s, programme: [], capacity: '' })),
    },
  });
  assert.equal(created.status(), 201, await created.text());
  assert.equal((await page.request.post(`${base}/${slug}/publier`, { headers, data: {} })).status(), 200);
  const stamp = Date.now().toString(36);
  const emails = [`avis-cycle-a-${stamp}@exemple.fr`, `avis-cycle-b-${stamp}@exemple.fr`];
  for (const email of emails) await registerByApi(slug, { email, first_name: 'Cycliste' });

  await page.goto(`${BASE}/gestion/organisations/demo/evenements/${slug}/avis`);
  await page.getByLabel('Modèle de départ (obligatoire)').selectOption('cycle');
  await page.getByRole('button', { name: 'Créer le questionnaire' }).click();
  await waitForFocusOn(page, /questionnaire à chaud est créé/);
  await page.getByRole('button', { name: 'Envoyer le questionnaire…' }).click();
  await page.getByRole('button', { name: 'Oui, envoyer maintenant' }).click();
  await waitForFocusOn(page, 'Questionnaire envoyé à 2 personnes');

  const tokens = [];
  for (const email of emails) tokens.push(tokenIn((await waitForEmail(email, /^Votre avis sur/)).email));
  const form = await (await fetch(`${BASE}/api/avis/${tokens[0]}`)).json();
  const days = form.questionnaire.questions.find((q) => q.id === 'journees').kind.rows;
  assert.equal(days.length, 4);
  assert.match(days[0], /^J1 – jeudi \d+ \S+ \d{4}$/);
  await answer(tokens[0], { journees: { [days[0]]: 5, [days[1]]: 4 } }, true);
  // Day by day: the first day saved, then the next ones, then submitted.
  await answer(tokens[1], { journees: { [days[0]]: 3 } }, false);
  await answer(tokens[1], { journees: { [days[0]]: 3, [days[1]]: 4 } }, false);
  await answer(tokens[1], { journees: { [days[0]]: 3, [days[1]]: 4, [days[2]]: 2 } }, true);

  await page.goto(`${BASE}/gestion/organisations/demo/evenements/${slug}/avis/a-chaud/resultats`);
  const perDay = page.getByRole('table', { name: 'Notes par ligne : Votre appréciation de chaque journée' });
  await perDay.waitFor();
  const rows = await perDay.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows, [
    [days[0], '0', '0', '1', '0', '1', '2', '4', '4'],
    [days[1], '0', '0', '0', '2', '0', '2', '4', '4'],
    [days[2], '0', '1', '0', '0', '0', '1', '2', '2'],
    [days[3], '0', '0', '0', '0', '0', '0', '—', '—'],
  ]);
  await page.getByRole('img', { name: /^Moyenne de chaque ligne, sur 5 : Votre appréciation de chaque journée/ }).waitFor();
  await expectAccessible(page, "a cycle's results dashboard");
  await assertNoHorizontalScroll(page, "a cycle's results dashboard");
  await unpublish(page, slug);
});
