// Feedback from end to end, with the clock moved rather than waited for:
// on an event of its own with two registrants, the organiser prepares the
// hot questionnaire (named, from the template, sent by itself) and the cold
// one (anonymous, a day after the event), then moves the event three days
// into the past. The job runner alone sends both invitations. Ana answers
// the hot one partly, comes back through the same link, and completes it;
// Ben answers the anonymous cold one and reads that it is anonymous. The
// dashboard shows the rates and figures those answers imply, the exports
// read back (CSV and XLSX through openpyxl, JSON) hold exactly those
// answers, and the anonymous exports hold neither person's name nor address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BASE, browserForTests, emailsTo, expectAccessible, registerByApi, signInAsOrganiser,
} from './helpers.mjs';

const DEMO = 'webinaire-ceq-2030-ctg-restitution';
const pages = browserForTests();
const stamp = Date.now().toString(36);
const ANA = { first_name: 'Anaïs', last_name: 'Lemoine', email: `ana-parcours-${stamp}@exemple.fr` };
const BEN = { first_name: 'Benoît', last_name: 'Garnier', email: `ben-parcours-${stamp}@exemple.fr` };

async function organiserApi(page) {
  const me = await (await page.request.get(`${BASE}/api/gestion/moi`)).json();
  return {
    headers: { 'x-parvis-csrf': me.csrf_token },
    base: `${BASE}/api/gestion/organisations/demo/evenements`,
  };
}

async function ok(response) {
  const text = await response.text();
  assert.ok(response.status() < 300, `${response.status()} ${text}`);
  return text ? JSON.parse(text) : null;
}

function daysFromNow(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

const tokenIn = (email) => {
  const match = email.text.match(/\/avis\/([0-9a-f]{64})/);
  assert.ok(match, 'the email carries a personal feedback link');
  return match[1];
};

/// Waits for a feedback email to `recipient` whose text matches `text`
/// (the hot and cold invitations share their subject).
async function feedbackEmail(recipient, text, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = (await emailsTo(recipient))
      .find(({ email }) => /\/avis\/[0-9a-f]{64}/.test(email.text) && text.test(email.text));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no feedback email for ${recipient} matching ${text}`);
}

/// The group of radios of a question, by its label.
const group = (page, question) => page.getByRole('group', {
  name: `${question.label} (${question.required ? 'obligatoire' : 'facultatif'})`,
});

/// Waits for the page to say the answers are saved.
const saved = (page) => page.locator('.save-status').getByText('Réponses enregistrées', { exact: true }).waitFor();

function readXlsx(path) {
  return JSON.parse(execFileSync('python3', ['-c', `
import json, sys, openpyxl
sheet = openpyxl.load_workbook(sys.argv[1]).active
print(json.dumps([[cell.value for cell in row] for row in sheet.iter_rows()], default=str))
`, path]).toString());
}

test('invited by the job runner after a time-shifted event, two participants answer; the dashboard and the exports say exactly that, the anonymous ones naming nobody', async () => {
  const page = await pages.newPage();
  await signInAsOrganiser(page);
  const { headers, base } = await organiserApi(page);

  // An event of our own, next month, with Ana and Ben registered. Its
  // registration window is the default one (open now, closing at its
  // start): the demo's, copied, may close after the new date, as the demo
  // webinar falls 28 to 34 days ahead on its own weekday.
  const { draft } = await ok(await page.request.get(`${base}/${DEMO}/edition`));
  const slug = `avis-parcours-${stamp}`;
  draft.sessions[0].date = daysFromNow(30);
  await ok(await page.request.post(base, {
    headers,
    data: {
      ...draft, slug, title: 'Webinaire : le parcours des avis', questions: [], members_only: false,
      address_confirmation: false, capacity: '', opens_at: '', closes_at: '',
    },
  }));
  await ok(await page.request.post(`${base}/${slug}/publier`, { headers, data: {} }));
  for (const person of [ANA, BEN]) {
    const accepted = await registerByApi(slug, person);
    assert.equal(accepted.status, 'confirmed');
  }

  // The hot questionnaire as the template makes it (named, sent by itself
  // two hours after the end); the cold one anonymous, a day after.
  const hot = await ok(await page.request.post(`${base}/${slug}/avis`, { headers, data: { modele: 'webinaire' } }));
  assert.equal(hot.questionnaire.automatic, true);
  assert.equal(hot.questionnaire.anonymous, false);
  const cold = await ok(await page.request.post(`${base}/${slug}/avis`, { headers, data: { modele: 'a-froid' } }));
  await ok(await page.request.put(`${base}/${slug}/avis/a-froid`, {
    headers,
    data: { ...cold.questionnaire, anonymous: true, cold_delay_days: 1 },
  }));
  assert.equal((await page.request.get(`${base}/${slug}/avis/a-chaud`)).status(), 200);

  // Three days ago, as far as the event is concerned.
  const { draft: edited } = await ok(await page.request.get(`${base}/${slug}/edition`));
  edited.sessions[0].date = daysFromNow(-3);
  edited.closes_at = '';
  edited.opens_at = '';
  await ok(await page.request.put(`${base}/${slug}/edition`, { headers, data: edited }));

  // No button pressed: the job runner sends both, named and anonymous.
  const NAMED = /Ce questionnaire n'est pas anonyme/;
  const ANONYMOUS = /Ce questionnaire est anonyme/;
  const anaHot = await feedbackEmail(ANA.email, NAMED);
  assert.equal(anaHot.email.subject, 'Votre avis sur Webinaire : le parcours des avis');
  await feedbackEmail(BEN.email, NAMED);
  await feedbackEmail(ANA.email, ANONYMOUS);
  const benCold = await feedbackEmail(BEN.email, ANONYMOUS);

  // Ana: part of the hot questionnaire, then away.
  const anaLink = `${BASE}/avis/${tokenIn(anaHot.email)}`;
  const form = await (await fetch(`${BASE}/api/avis/${tokenIn(anaHot.email)}`)).json();
  const q = Object.fromEntries(form.questionnaire.questions.map((question) => [question.id, question]));
  await page.goto(anaLink);
  await page.getByRole('heading', { level: 1, name: 'Votre avis sur le webinaire' }).waitFor();
  await group(page, q.satisfaction).getByRole('radio', { name: /^5/ }).press('Space');
  await group(page, q.objectifs).getByRole('radio', { name: '4', exact: true }).press('Space');
  await saved(page);

  // Back later through the same link: kept; completed and sent by keyboard.
  await page.goto('about:blank');
  await page.goto(anaLink);
  await page.getByRole('heading', { level: 1, name: 'Votre avis sur le webinaire' }).waitFor();
  assert.equal(await group(page, q.satisfaction).getByRole('radio', { name: /^5/ }).isChecked(), true);
  assert.equal(await group(page, q.objectifs).getByRole('radio', { name: '4', exact: true }).isChecked(), true);
  await group(page, q.intervenants).getByRole('radio', { name: '4', exact: true }).press('Space');
  await group(page, q.utilite).getByRole('radio', { name: '3', exact: true }).press('Space');
  await group(page, q.recommandation).getByRole('radio', { name: '9', exact: true }).press('Space');
  await page.getByLabel(`${q['points-forts'].label} (facultatif)`).fill('=HYPERLINK("http://exemple.fr") les échanges');
  await page.getByRole('button', { name: 'Envoyer mes réponses' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.tagName === 'H2'
    && document.activeElement.textContent === 'Merci, vos réponses ont été envoyées');

  // Ben: the anonymous cold questionnaire says so, and he answers it.
  const benLink = `${BASE}/avis/${tokenIn(benCold.email)}`;
  const coldForm = await (await fetch(`${BASE}/api/avis/${tokenIn(benCold.email)}`)).json();
  const c = Object.fromEntries(coldForm.questionnaire.questions.map((question) => [question.id, question]));
  await page.goto(benLink);
  await page.getByText('Ce questionnaire est anonyme : vos réponses ne sont pas associées à votre nom.').waitFor();
  await group(page, c['mise-en-pratique']).getByRole('radio', { name: 'Oui' }).press('Space');
  await page.getByLabel(`${c.applications.label} (facultatif)`).fill('Un diagnostic en marchant avec les habitants');
  await group(page, c.impact).getByRole('radio', { name: '4', exact: true }).press('Space');
  await group(page, c.satisfaction).getByRole('radio', { name: '4', exact: true }).press('Space');
  await page.getByRole('button', { name: 'Envoyer mes réponses' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.tagName === 'H2'
    && document.activeElement.textContent === 'Merci, vos réponses ont été envoyées');
  await expectAccessible(page, 'the anonymous feedback form, submitted');

  // The organiser's dashboard: one of two asked has answered each.
  await page.goto(`${BASE}/gestion/organisations/demo/evenements/${slug}/avis/a-chaud/resultats`);
  const figures = page.locator('dl').filter({ hasText: 'Taux de réponse' }).first();
  await figures.getByText(/50\s?%/).waitFor();
  await expectAccessible(page, 'the hot questionnaire dashboard');
  const results = await ok(await page.request.get(`${base}/${slug}/avis/a-chaud/resultats`));
  assert.equal(results.invited, 2);
  assert.equal(results.submitted, 1);
  assert.equal(results.response_rate, 50);
  assert.deepEqual(results.not_answered.map((p) => p.email), [BEN.email]);

  // The named exports: Ana's line, her answers, the formula neutralised.
  const dir = mkdtempSync(join(tmpdir(), 'parvis-avis-'));
  const download = async (path, name) => {
    const response = await page.request.get(`${base}/${slug}/avis/${path}`);
    assert.equal(response.status(), 200, await response.text());
    assert.match(response.headers()['content-disposition'] ?? '', /attachment/);
    const file = join(dir, name);
    writeFileSync(file, await response.body());
    return { file, text: (await response.body()).toString('utf8') };
  };
  const hotCsv = (await download('a-chaud/export.csv?dialecte=standard', 'chaud.csv')).text;
  const anaLine = hotCsv.split(/\r?\n/).find((line) => line.includes(ANA.email));
  assert.ok(anaLine, hotCsv);
  assert.match(anaLine, /Anaïs/);
  assert.match(anaLine, /'=HYPERLINK/, 'the formula is neutralised');
  const hotRows = readXlsx((await download('a-chaud/export.xlsx', 'chaud.xlsx')).file);
  const header = hotRows[0];
  const row = hotRows.find((r) => r.includes(ANA.email));
  assert.ok(row, JSON.stringify(hotRows));
  const cell = (label) => row[header.findIndex((h) => typeof h === 'string' && h.startsWith(label))];
  assert.equal(Number(cell(q.satisfaction.label)), 5);
  assert.equal(Number(cell(q.objectifs.label)), 4);
  assert.equal(Number(cell(q.utilite.label)), 3);
  assert.equal(Number(cell(q.recommandation.label)), 9);
  // Ben, asked but silent, has no line.
  assert.ok(!hotRows.some((r) => r.includes(BEN.email)), 'no line for who did not answer');

  // The anonymous exports: Ben's answers, nobody's name or address.
  const coldCsv = (await download('a-froid/export.csv?dialecte=excel', 'froid.csv')).text;
  const coldJson = (await download('a-froid/export.json', 'froid.json')).text;
  const coldXlsx = readXlsx((await download('a-froid/export.xlsx', 'froid.xlsx')).file);
  const coldSummary = (await download('a-froid/synthese.csv?dialecte=standard', 'synthese.csv')).text;
  assert.match(coldCsv, /Un diagnostic en marchant avec les habitants/);
  assert.match(coldJson, /Un diagnostic en marchant avec les habitants/);
  assert.ok(JSON.stringify(coldXlsx).includes('Un diagnostic en marchant avec les habitants'));
  assert.equal(JSON.parse(coldJson).responses.length, 1, coldJson);
  for (const [name, text] of [['CSV', coldCsv], ['JSON', coldJson], ['XLSX', JSON.stringify(coldXlsx)], ['synthèse', coldSummary]]) {
    for (const person of [ANA, BEN]) {
      for (const value of [person.first_name, person.last_name, person.email, person.email.split('@')[0]]) {
        assert.ok(!text.toLowerCase().includes(value.toLowerCase()), `the anonymous ${name} export names ${value}`);
      }
    }
  }
  // Out of the agenda again, whose past events other files count.
  await ok(await page.request.post(`${base}/${slug}/depublier`, { headers, data: {} }));
  await page.close();
});
