// The organisers' side of the study reports library: from the dashboard,
// an organiser creates a publication and forgets its title (the focused
// summary names the field and leads to it), fixes it, uploads a real small
// PDF (it is listed with its French size), sees a text file renamed `.pdf`
// refused with the endpoint's French message and a file over the limit
// refused before it is sent, adds and then deletes an accessible version
// after a confirmation step, publishes the publication, finds it in the
// public catalogue's API (and on /publications when that bundle is built),
// and after one download sees 1 this month and in all, month by month in
// the disclosure's table. axe-core on the list and the form at 1280 and
// 320 px, no horizontal scroll at 320 px; the publication is deleted at
// the end after its own confirmation step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, browserForTests, expectAccessible, signInAsOrganiser } from './helpers.mjs';

const pages = browserForTests();

const focused = (page) => page.evaluate(() => ({
  id: document.activeElement?.id ?? '',
  className: typeof document.activeElement?.className === 'string' ? document.activeElement.className : '',
  text: document.activeElement?.textContent ?? '',
}));

async function waitForFocus(page, predicate, what) {
  const deadline = Date.now() + 10000;
  let now;
  while (Date.now() < deadline) {
    now = await focused(page);
    if (predicate(now)) return now;
    await page.waitForTimeout(100);
  }
  assert.fail(`${what}: the focus is on #${now.id}.${now.className} « ${now.text.slice(0, 120)} »`);
}

async function assertNoHorizontalScroll(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll('main *')]
    .filter((e) => e.getBoundingClientRect().right > 321)
    .slice(0, 5)
    .map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`));
  assert.ok(width <= 320, `${what} lays out at 320 px (${width} px): ${wide.join(', ')}`);
}

/// axe-core at 1280 px, then again at 320 px with no sideways scroll.
async function checkBothWidths(page, what) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectAccessible(page, `${what} at 1280 px`);
  await page.setViewportSize({ width: 320, height: 800 });
  await expectAccessible(page, `${what} at 320 px`);
  await assertNoHorizontalScroll(page, what);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/// A small, valid PDF (header, one empty page, cross-reference table,
/// trailer, %%EOF), padded with a comment to weigh over a kilobyte.
function smallPdf(title) {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
    `<< /Title (${title}) >>`,
  ];
  let body = `%PDF-1.4\n%${'-'.repeat(60)}\n% ${'Parvis '.repeat(150)}\n`;
  const offsets = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/// « 1,6 ko », as parvis-core's format_size writes it.
function frenchSize(bytes) {
  if (bytes < 1000) return `${bytes} octets`;
  return `${(bytes / 1000).toFixed(1).replace('.', ',')} ko`;
}

test('an organiser publishes a study report with its PDF, and sees its downloads', async (t) => {
  const page = await pages.newPage();
  await signInAsOrganiser(page);
  const stamp = Date.now().toString(36);
  const word = `pubg${stamp}`;
  const title = `Étude ${word} : la participation des habitant·es`;

  // From the dashboard to the list.
  await page.goto(`${BASE}/gestion/`);
  await page.getByRole('heading', { level: 2, name: 'Centre de ressources (démonstration)' }).waitFor();
  await page.getByRole('link', { name: 'Publications', exact: true }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Publications' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/gestion/organisations/demo/publications');
  await page.getByRole('link', { name: 'Nouvelle publication' }).waitFor();
  await page.locator('.loading').waitFor({ state: 'detached' });
  assert.equal(await page.locator('.notice-error').count(), 0, await page.locator('main').innerText());
  await checkBothWidths(page, 'the publications list');

  // The form, sent without a title.
  await page.getByRole('link', { name: 'Nouvelle publication' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nouvelle publication' }).waitFor();
  await page.getByLabel('Type (obligatoire)').selectOption('rapport_etude');
  assert.equal(await page.getByLabel('Date de publication (obligatoire)').getAttribute('type'), 'date');
  await page.getByLabel('Date de publication (obligatoire)').fill('2026-10-15');
  await page.getByLabel('Période couverte (facultatif)').fill('Janvier – juin 2026');
  await page.getByLabel('Résumé (obligatoire)').fill(
    `Une enquête ${word} auprès de douze conseils citoyens.\n\nSes enseignements pour les contrats de ville.`,
  );
  await page.getByLabel('Thèmes (facultatif)').fill('Participation des habitants\nConseils citoyens');
  await page.getByLabel('Territoires (facultatif)').fill('Île-de-France');
  await page.getByRole('group', { name: /Accès aux fichiers/ }).getByLabel('Publique').check();
  await page.locator('#champ-events').waitFor();
  await checkBothWidths(page, 'the new publication form');
  await page.getByRole('button', { name: 'Créer la publication' }).click();
  const summary = await waitForFocus(page, (f) => f.className.includes('error-summary'), 'the error summary');
  assert.match(summary.text, /Titre : Indiquez le titre de la publication\./);
  assert.equal(await page.locator('#champ-title').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#champ-title-erreur').textContent(), /Indiquez le titre/);
  await expectAccessible(page, 'the new publication form with an error');
  await page.getByRole('link', { name: /^Titre : Indiquez le titre/ }).click();
  await waitForFocus(page, (f) => f.id === 'champ-title', 'the title field, from the summary');
  await page.keyboard.type(title);
  await page.getByRole('button', { name: 'Créer la publication' }).click();

  // Created: its page, focused on what happened, with the files' form.
  await waitForFocus(page, (f) => f.text.includes('La publication est enregistrée'), 'the creation status');
  const slug = new URL(page.url()).pathname.split('/').pop();
  assert.ok(slug && slug !== 'nouvelle', `the publication's own page (${page.url()})`);
  await page.getByRole('heading', { level: 1, name: `Modifier « ${title} »` }).waitFor();
  await page.getByText('Aucun fichier pour l\'instant.').waitFor();
  await page.getByText('PDF, 40 Mo au plus.').waitFor();
  const fileInput = page.getByLabel('Fichier PDF (obligatoire)');
  assert.equal(await fileInput.getAttribute('type'), 'file');
  assert.equal(await fileInput.getAttribute('accept'), 'application/pdf,.pdf');
  assert.equal(await page.getByLabel('Intitulé du fichier (obligatoire)').inputValue(), 'Rapport');

  // A real PDF.
  const pdf = smallPdf(title.replace(/[()\\]/g, ''));
  assert.ok(pdf.length > 1000);
  await fileInput.setInputFiles({ name: 'etude-participation.pdf', mimeType: 'application/pdf', buffer: pdf });
  await page.getByRole('button', { name: 'Envoyer le fichier' }).click();
  const added = `Fichier ajouté : etude-participation.pdf (PDF – ${frenchSize(pdf.length)})`;
  await waitForFocus(page, (f) => f.text.includes(added), 'the upload status');
  await page.getByText(`(PDF – ${frenchSize(pdf.length)}) — etude-participation.pdf`).waitFor();
  assert.equal(await fileInput.inputValue(), '', 'the file input is emptied');

  // A text file renamed `.pdf`: the endpoint reads its bytes.
  await fileInput.setInputFiles({
    name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('Notes de réunion, pas un PDF.\n'),
  });
  await page.getByRole('button', { name: 'Envoyer le fichier' }).click();
  const refused = await waitForFocus(page, (f) => f.className.includes('error-summary'), 'the refused file');
  assert.match(refused.text, /Fichier PDF : Le fichier n'est pas un PDF/);
  assert.equal(await fileInput.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#champ-fichier-erreur').textContent(), /n'est pas un PDF/);
  await expectAccessible(page, 'the files form with a refused file');

  // A file over the limit never leaves the browser.
  const dir = await mkdtemp(join(tmpdir(), 'parvis-pubg-'));
  const big = join(dir, 'trop-gros.pdf');
  await writeFile(big, '%PDF-1.4\n');
  await truncate(big, 40 * 1024 * 1024 + 1);
  const uploads = [];
  page.on('request', (r) => { if (r.url().includes('/fichiers')) uploads.push(r.url()); });
  await fileInput.setInputFiles(big);
  await page.getByRole('button', { name: 'Envoyer le fichier' }).click();
  const tooBig = await waitForFocus(page, (f) => f.text.includes('dépasse 40 Mo'), 'the file over the limit');
  assert.match(tooBig.text, /Fichier PDF : Le fichier dépasse 40 Mo/);
  assert.deepEqual(uploads, [], 'nothing is sent');

  // An accessible version, then deleted after a confirmation step.
  await fileInput.setInputFiles({ name: 'etude-balisee.pdf', mimeType: 'application/pdf', buffer: smallPdf('balise') });
  await page.getByLabel('Intitulé du fichier (obligatoire)').fill('Version accessible');
  await page.getByLabel('Version accessible (PDF balisé)').check();
  await page.getByRole('button', { name: 'Envoyer le fichier' }).click();
  await waitForFocus(page, (f) => f.text.includes('Fichier ajouté : etude-balisee.pdf'), 'the second upload');
  await page.getByText('— version accessible (PDF balisé)').waitFor();
  await page.getByRole('button', { name: 'Supprimer le fichier « Version accessible »' }).click();
  const question = await waitForFocus(page, (f) => f.className.includes('confirm'), 'the file deletion question');
  assert.match(question.text, /Supprimer le fichier « Version accessible » \(etude-balisee\.pdf\) \?/);
  await page.getByRole('button', { name: 'Oui, supprimer le fichier' }).click();
  await waitForFocus(page, (f) => f.text.includes('Fichier supprimé : etude-balisee.pdf.'), 'the file deletion status');
  assert.equal(await page.locator('#fichiers-titre ~ ul li', { hasText: 'etude-balisee.pdf' }).count(), 0);
  assert.equal(await page.locator('#fichiers-titre ~ ul li').count(), 1);

  // Published in the catalogue.
  await page.getByLabel('Visible dans le catalogue public').check();
  await page.getByRole('button', { name: 'Enregistrer les modifications' }).click();
  await waitForFocus(page, (f) => f.text.includes('Les modifications sont enregistrées.'), 'the saved status');
  await page.setViewportSize({ width: 320, height: 800 });
  await assertNoHorizontalScroll(page, 'a publication\'s page with its file');
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectAccessible(page, 'a publication\'s page with its file');

  const catalogue = await (await fetch(`${BASE}/api/publications?q=${word}`)).json();
  assert.equal(catalogue.total, 1, JSON.stringify(catalogue));
  const card = catalogue.items[0];
  assert.equal(card.slug, slug);
  assert.equal(card.title, title);
  assert.equal(card.file?.name, 'etude-participation.pdf');
  assert.equal(card.file?.size, pdf.length);

  // One download, as a visitor (no session).
  const download = await fetch(`${BASE}/api/publications/${slug}/fichiers/${card.file.id}`);
  assert.equal(download.status, 200);
  assert.match(download.headers.get('content-type'), /^application\/pdf/);
  assert.deepEqual(Buffer.from(await download.arrayBuffer()), pdf);

  await page.getByRole('link', { name: '← Publications' }).click();
  await page.getByRole('heading', { level: 1, name: 'Publications' }).waitFor();
  const item = page.locator('li.event-card', { has: page.getByRole('heading', { name: title }) });
  await item.waitFor();
  const facts = async (name) => (await item.locator('dt', { hasText: name }).locator('xpath=following-sibling::dd[1]').textContent()).trim();
  assert.equal(await facts('Catalogue public'), 'Visible');
  assert.equal(await facts('Accès'), 'Publique');
  assert.equal(await facts('Fichiers'), `Rapport (PDF – ${frenchSize(pdf.length)})`);
  assert.equal(await facts('Téléchargements ce mois-ci'), '1');
  assert.equal(await facts('Téléchargements au total'), '1');
  await item.locator('summary', { hasText: 'Téléchargements par mois' }).click();
  const table = item.getByRole('table', { name: `Téléchargements par mois de « ${title} »` });
  const now = new Date();
  const month = now.toLocaleDateString('fr-FR', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  assert.deepEqual(await table.locator('tbody tr').allInnerTexts(), [`${month}\t1`]);
  await checkBothWidths(page, 'the publications list with its downloads');

  // The public catalogue page, when its bundle is built.
  if (existsSync('dist/publications/index.html')) {
    const visitor = await pages.newPage();
    await visitor.goto(`${BASE}/publications?q=${word}`);
    await visitor.getByRole('link', { name: title }).waitFor();
    await visitor.close();
  } else {
    t.diagnostic('dist/publications/ is not built: the catalogue page was not visited');
  }

  // Deleted after a confirmation step whose box takes the focus.
  await item.getByRole('link', { name: title }).click();
  await page.getByRole('button', { name: 'Supprimer la publication…' }).click();
  const asked = await waitForFocus(page, (f) => f.className.includes('confirm'), 'the deletion question');
  assert.match(asked.text, /Supprimer « .* » et tous ses fichiers \?/);
  await page.getByRole('button', { name: 'Non, revenir' }).click();
  await waitForFocus(page, (f) => f.id === 'action-supprimer', 'back to the delete button');
  await page.getByRole('button', { name: 'Supprimer la publication…' }).click();
  await waitForFocus(page, (f) => f.className.includes('confirm'), 'the deletion question again');
  await page.getByRole('button', { name: 'Oui, supprimer la publication' }).click();
  await waitForFocus(page, (f) => f.text.includes('La publication et ses fichiers sont supprimés.'), 'the deletion status');
  await page.locator('.loading').waitFor({ state: 'detached' });
  assert.equal(await page.getByRole('heading', { name: title }).count(), 0);
  const after = await (await fetch(`${BASE}/api/publications?q=${word}`)).json();
  assert.equal(after.total, 0);
  await page.close();
});
