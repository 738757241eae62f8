// Stakeholder questionnaires (« questionnaires aux partenaires »), the
// organisers' side: from the dashboard, the organiser creates one from the
// template (the focus lands on what happened), edits its title and a
// question, sends it to a pasted list with one line that is not an address
// after a confirmation step (focused), and reads the focused report: sent,
// already asked, the line left out with its number. A partner answers
// through the emailed personal link; the dashboard (the event
// questionnaires' own) shows exactly that answer's figures, with the
// stakeholder exports and no comparison. Sending the same address again,
// from a CSV file read in the browser, asks nobody twice; reminding and
// closing are confirmed. axe-core on the list, the editor and
// the dashboard; no horizontal scroll at 320 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, browserForTests, expectAccessible, signInAsOrganiser, waitForEmail,
} from './helpers.mjs';

const pages = browserForTests();

const focused = (page) => page.evaluate(() => ({
  id: document.activeElement?.id ?? '',
  className: document.activeElement?.className ?? '',
  text: document.activeElement?.textContent ?? '',
}));

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

const tokenIn = (email) => {
  const match = email.text.match(/\/avis\/([0-9a-f]{64})/);
  assert.ok(match, 'the email carries a personal feedback link');
  return match[1];
};

test('an organiser creates, edits and sends a stakeholder questionnaire to a pasted list, then reads exactly its figures', async () => {
  const page = await pages.newPage();
  await signInAsOrganiser(page);
  const stamp = Date.now().toString(36);
  const title = `Bilan partenaires ${stamp}`;
  const funder = `financeur-${stamp}@exemple.fr`;
  const speaker = `intervenante-${stamp}@exemple.fr`;

  // The dashboard leads to the organisation's stakeholder questionnaires.
  await page.goto(`${BASE}/gestion/`);
  await page.locator('a[href="/gestion/organisations/demo/avis-partenaires"]').click();
  await page.getByRole('heading', { level: 1, name: 'Questionnaires aux partenaires' }).waitFor();

  // Created by keyboard: the focus lands on what happened.
  await page.getByRole('button', { name: 'Créer un questionnaire aux partenaires' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && /Le questionnaire aux partenaires est créé à partir du modèle \(\d+ questions\)/.test(document.activeElement.textContent));
  // Newest first.
  const created = page.locator('section.questionnaire').first();
  await created.getByRole('heading', { name: 'Votre regard sur notre partenariat' }).waitFor();
  const facts = created.locator('dl.facts');
  const fact = async (where, name) => where.locator('dt', { hasText: name }).locator('xpath=following-sibling::dd[1]').textContent();
  assert.equal(await fact(facts, 'Statut'), 'En préparation');
  assert.equal(await fact(facts, 'Personnes sollicitées'), '0');
  assert.equal(await fact(facts, 'Taux de réponse'), '—');
  const editHref = await created.getByRole('link', { name: 'Modifier le questionnaire' }).getAttribute('href');
  const id = editHref.match(/^\/gestion\/organisations\/demo\/avis-partenaires\/(\d+)$/)?.[1];
  assert.ok(id, `the editor's address names the questionnaire: ${editHref}`);
  await expectAccessible(page, 'the stakeholder questionnaires');
  await assertNoHorizontalScroll(page, 'the stakeholder questionnaires');

  // The editor, shared with events', without what does not apply.
  await created.getByRole('link', { name: 'Modifier le questionnaire' }).click();
  await page.getByRole('heading', { level: 1, name: 'Modifier le questionnaire aux partenaires' }).waitFor();
  assert.equal(await page.getByLabel(/Envoyer automatiquement après l'événement/).count(), 0);
  await page.getByLabel(/^Relancer automatiquement les personnes qui n'ont pas répondu/).waitFor();
  assert.equal(await page.getByLabel(/Délai après la fin/).count(), 0);
  await page.getByText(/^Envoi à la main : le questionnaire part quand vous collez la liste/).waitFor();
  await page.locator('#champ-title').fill(title);
  const label = page.locator('#champ-questions-1-label');
  assert.equal(await label.inputValue(), 'Quelle est votre appréciation globale de notre collaboration cette année ?');
  await label.fill('Quelle appréciation portez-vous sur notre collaboration ?');
  await page.getByRole('button', { name: 'Enregistrer le questionnaire' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && document.activeElement.textContent.includes('Le questionnaire est enregistré.'));
  await expectAccessible(page, 'the stakeholder questionnaire editor');
  await assertNoHorizontalScroll(page, 'the stakeholder questionnaire editor');

  // Sent to a pasted list with one line that is not an address, after a
  // focused confirmation; the report takes the focus.
  await page.getByRole('link', { name: '← Questionnaires aux partenaires' }).click();
  const card = page.getByRole('region', { name: title });
  const list = card.getByLabel('Adresses e-mail des partenaires (obligatoire)');
  await list.fill(`Fanny Financeur <${funder}>\n${speaker}\npas-une-adresse`);
  await card.getByRole('button', { name: 'Envoyer le questionnaire…' }).press('Enter');
  await page.waitForFunction((id) => document.activeElement?.id === `confirmation-${id}`, id);
  assert.equal((await focused(page)).text, "Confirmer l'envoi");
  await card.getByText(/à chaque adresse de la liste \(3 lignes\)/).waitFor();
  await expectAccessible(page, 'the stakeholder questionnaires, confirming a sending');
  await card.getByRole('button', { name: 'Oui, envoyer maintenant' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'compte-rendu');
  const report = page.locator('#compte-rendu');
  assert.match(await report.locator('p').first().textContent(), /^Questionnaire envoyé à 2 personnes\. 1 ligne écartée/);
  const reported = await report.locator('li').allTextContents();
  assert.equal(reported[0], 'Envoyé maintenant : 2 adresses');
  assert.equal(reported[1], 'Déjà sollicitée(s), rien de renvoyé : 0 adresse');
  assert.equal(reported.length, 3);
  assert.match(reported[2], /^Ligne 3 \(« pas-une-adresse »\) : .+/);
  const sent = page.getByRole('region', { name: title });
  await sent.locator('dl.facts').getByText('Envoyé', { exact: true }).waitFor();
  assert.equal(await fact(sent.locator('dl.facts'), 'Personnes sollicitées'), '2');
  await expectAccessible(page, 'the stakeholder questionnaires with a report');
  await assertNoHorizontalScroll(page, 'the stakeholder questionnaires with a report');

  // The same address again, from a CSV file read into the list: nobody is
  // asked twice.
  await sent.getByLabel('Importer un fichier CSV (facultatif)').setInputFiles({
    name: 'partenaires.csv', mimeType: 'text/csv', buffer: Buffer.from(`nom;email\nFanny Financeur;${funder}\n`),
  });
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && document.activeElement.textContent.includes('Fichier « partenaires.csv » lu'));
  assert.equal(await sent.getByLabel('Adresses e-mail des partenaires (obligatoire)').inputValue(), `nom;email\nFanny Financeur;${funder}\n`);
  await sent.getByRole('button', { name: 'Envoyer le questionnaire…' }).click();
  await page.waitForFunction((id) => document.activeElement?.id === `confirmation-${id}`, id);
  await sent.getByRole('button', { name: 'Oui, envoyer maintenant' }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'compte-rendu'
    && document.activeElement.textContent.includes('Déjà sollicitée(s), rien de renvoyé : 1 adresse'));
  assert.match(await page.locator('#compte-rendu').textContent(), /Envoyé maintenant : 0 adresse/);

  // The funder answers through the emailed link.
  const { email } = await waitForEmail(funder, new RegExp(`^${title}$`));
  assert.match(email.text, /Partenaire, financeur ou intervenant·e de /);
  const token = tokenIn(email);
  await waitForEmail(speaker, new RegExp(`^${title}$`));
  const form = await (await fetch(`${BASE}/api/avis/${token}`)).json();
  assert.equal(form.questionnaire.questions[1].label, 'Quelle appréciation portez-vous sur notre collaboration ?');
  const given = { profil: 'Financeur', appreciation: 4, recommandation: 9, suggestions: 'Plus de visites de terrain.' };
  for (const q of form.questionnaire.questions) {
    assert.ok(!q.required || q.id in given, `the test answers required question ${q.id}`);
  }
  const answered = await fetch(`${BASE}/api/avis/${token}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ answers: given, submit: true }),
  });
  assert.equal(answered.status, 200, await answered.text());

  // The dashboard: exactly that answer's figures.
  await page.reload();
  await page.getByRole('region', { name: title }).getByRole('link', { name: 'Voir les résultats' }).click();
  await page.getByRole('heading', { level: 1, name: 'Résultats du questionnaire aux partenaires' }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/gestion/organisations/demo/avis-partenaires/${id}/resultats`);
  const participation = page.getByRole('region', { name: 'Participation' });
  assert.equal(await fact(participation, 'Personnes sollicitées'), '2');
  assert.equal(await fact(participation, 'Réponses envoyées'), '1');
  assert.equal(await fact(participation, 'Réponses en cours'), '0');
  assert.equal(await fact(participation, 'Taux de réponse'), '50 %');

  const appreciation = page.getByRole('region', { name: '2. Quelle appréciation portez-vous sur notre collaboration ?' });
  await appreciation.getByText('1 réponse', { exact: true }).waitFor();
  const rows = await appreciation.getByRole('table', { name: /^Répartition des notes : Quelle appréciation/ })
    .locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows, [
    ['1 – Très insatisfaisante', '0', '0 %'],
    ['2', '0', '0 %'],
    ['3', '0', '0 %'],
    ['4', '1', '100 %'],
    ['5 – Très satisfaisante', '0', '0 %'],
  ]);
  const stat = async (region, name) => region.locator('dt', { hasText: name }).first().locator('xpath=following-sibling::dd[1]').textContent();
  assert.equal(await stat(appreciation, 'Moyenne'), '4 sur 5');
  await appreciation.getByRole('img', { name: /^Répartition des notes de 1 à 5 : Quelle appréciation/ }).waitFor();
  const recommendation = page.getByRole('region', { name: /^\d+\. Recommanderiez-vous le centre de ressources/ });
  assert.equal(await stat(recommendation, 'Score de recommandation'), '+100');
  assert.equal(await stat(recommendation, 'Promoteurs'), '1');
  assert.equal(await stat(recommendation, 'Détracteurs'), '0');
  const suggestions = page.getByRole('region', { name: /^\d+\. Vos suggestions pour l'année à venir/ });
  assert.deepEqual(await suggestions.locator('ul.texts li').allTextContents(), ['Plus de visites de terrain.']);
  // Named: the speaker has not answered.
  const missing = page.getByRole('region', { name: "Personnes qui n'ont pas répondu (1)" });
  assert.match(await missing.locator('li').first().textContent(), new RegExp(speaker.replace(/[.]/g, '\\.')));
  // The stakeholder exports, and no hot / cold comparison.
  const base = `/api/gestion/organisations/demo/avis-partenaires/${id}`;
  const exported = await page.getByRole('region', { name: 'Exporter' }).getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  assert.deepEqual(exported, [
    `${base}/export.csv?dialecte=excel`, `${base}/export.csv?dialecte=standard`, `${base}/export.xlsx`, `${base}/export.json`,
    `${base}/synthese.csv?dialecte=excel`, `${base}/synthese.csv?dialecte=standard`, `${base}/synthese.xlsx`,
  ]);
  const csv = await page.request.get(`${BASE}${base}/export.csv?dialecte=standard`);
  assert.equal(csv.status(), 200, await csv.text());
  assert.match(await csv.text(), /Plus de visites de terrain\./);
  assert.equal(await page.getByRole('table', { name: /Les mêmes questions/ }).count(), 0);
  await expectAccessible(page, 'the stakeholder results dashboard');
  await assertNoHorizontalScroll(page, 'the stakeholder results dashboard');

  // Reminding and closing are confirmed; the focus follows.
  await page.getByRole('link', { name: '← Questionnaires aux partenaires' }).click();
  const open = page.getByRole('region', { name: title });
  await open.getByRole('button', { name: "Relancer les personnes qui n'ont pas répondu…" }).press('Enter');
  await page.waitForFunction((id) => document.activeElement?.id === `confirmation-${id}`, id);
  assert.equal((await focused(page)).text, 'Confirmer la relance');
  await open.getByRole('button', { name: 'Oui, relancer maintenant' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && document.activeElement.textContent.includes('Relance envoyée à 1 personne'));
  await waitForEmail(speaker, new RegExp(`^Rappel : ${title}$`));
  await page.getByRole('region', { name: title }).getByRole('button', { name: 'Clore le questionnaire…' }).press('Enter');
  await page.waitForFunction((id) => document.activeElement?.id === `confirmation-${id}`, id);
  assert.equal((await focused(page)).text, 'Confirmer la clôture');
  await page.getByRole('region', { name: title }).getByRole('button', { name: 'Oui, clore le questionnaire' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && document.activeElement.textContent.includes('Le questionnaire est clos'));
  const closed = page.getByRole('region', { name: title });
  await closed.locator('dl.facts').getByText('Clos', { exact: true }).waitFor();
  assert.equal(await closed.getByLabel('Adresses e-mail des partenaires (obligatoire)').count(), 0);
  await page.close();
});
