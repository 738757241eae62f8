// The organisers' back-office: password-less sign-in by the emailed link,
// or by its code from another browser; the dashboard lists the
// organisation's events and the open sessions; signing out everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, browserForTests, expectAccessible, emailsTo, launch, waitForFocusOn } from './helpers.mjs';

const ORGANISER = 'gestion@crpve.example.org';
const COLLEAGUE = 'collegue@crpve.example.org';
const pages = browserForTests();

async function askSignIn(page, address = ORGANISER) {
  await page.goto(`${BASE}/gestion/`);
  await page.getByRole('heading', { level: 1, name: "Connexion à l'espace de gestion" }).waitFor();
  await page.getByLabel('Adresse e-mail (obligatoire)').fill(address);
  const before = (await emailsTo(address)).length;
  await page.getByLabel('Adresse e-mail (obligatoire)').press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice'));
  const deadline = Date.now() + 20000;
  let emails = [];
  while (Date.now() < deadline) {
    emails = await emailsTo(address);
    if (emails.length > before) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(emails.length > before, 'a sign-in email');
  return emails[emails.length - 1].email;
}

test('an organiser signs in by the emailed link and sees the organisation\'s events and sessions', async () => {
  const page = await pages.newPage();
  const paths = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  const email = await askSignIn(page);
  await expectAccessible(page, 'back-office sign-in');
  assert.match(email.subject, /connexion/);
  const link = email.text.match(/https?:\/\/\S+\/gestion\/connexion#jeton=[0-9a-f]{64}/)[0];
  await page.goto(link.replace(/^https?:\/\/[^/]+/, BASE));
  await page.getByText(/Vous êtes connecté·e, Organisatrice de démonstration\./).waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address');
  await expectAccessible(page, 'back-office sign-in link page, signed in');
  await page.getByRole('link', { name: "Aller à l'espace de gestion" }).click();
  await page.getByRole('heading', { level: 1, name: 'Espace de gestion' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Centre de ressources (démonstration)' }).waitFor();
  await page.locator('a[href="/gestion/organisations/demo/evenements/webinaire-ceq-2030-ctg-restitution"]').waitFor();
  await page.getByText('(ce navigateur)').waitFor();
  // The administrator's team and journal: the sign-in is in it.
  await page.getByRole('heading', { level: 3, name: 'Journal' }).waitFor();
  await page.getByText(/gestion@crpve\.example\.org — Connexion \(lien\)/).first().waitFor();
  await page.getByLabel('Adresse e-mail de la personne (obligatoire)').fill('collegue@crpve.example.org');
  await page.getByLabel('Nom (obligatoire)').fill('Collègue de démonstration');
  await page.getByRole('button', { name: "Ajouter à l'équipe" }).click();
  await waitForFocusOn(page, "fait partie de l'équipe");
  await page.getByText('Collègue de démonstration (collegue@crpve.example.org) — organisateur').waitFor();
  // The settings: a wrong contact address is named on its field, whose id
  // carries the organisation's slug (an administrator of two sees both).
  await page.getByLabel("Nom d'expéditeur des e-mails (facultatif)").fill('CRPVE – centre de ressources');
  await page.getByLabel('Adresse de contact (facultatif)').fill('pas-une-adresse');
  await page.getByRole('button', { name: 'Enregistrer les réglages' }).click();
  await page.locator('#champ-demo-contact_email-erreur').waitFor();
  // The settings' notice takes the focus on a frame after the error shows:
  // typing before it would go to the notice.
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice')
    && !!document.activeElement.closest('section[aria-labelledby="reglages-demo"]'));
  await page.getByLabel('Adresse de contact (facultatif)').fill('contact@crpve.example.org');
  await page.getByRole('button', { name: 'Enregistrer les réglages' }).click();
  await waitForFocusOn(page, 'Les réglages sont enregistrés.');
  await expectAccessible(page, 'back-office dashboard');
  // The dashboard is the home build alone: the areas' builds (editor,
  // registrants, feedback, publications) load with their pages.
  assert.deepEqual(
    paths.filter((p) => /^\/gestion\/(editeur|inscrits|avis|publications)\//.test(p)),
    [],
  );
  assert.ok(paths.some((p) => /^\/gestion\/gestion-[0-9a-f]{16}_bg\.wasm$/.test(p)), paths.join(' '));
  // The link works once.
  await page.goto(link.replace(/^https?:\/\/[^/]+/, BASE));
  await page.getByText(/n'est plus valable/).waitFor();
  await expectAccessible(page, 'back-office sign-in link page, link used');
  await page.close();
});

// The colleague added by the first test signs in here: the demo organiser's
// own sessions (shared by the other files, see signInAsOrganiser) stay open.
test('from another browser, the code signs in; « me déconnecter partout » ends every session', async () => {
  const one = await launch(); // the colleague's first browser
  const first = await one.context.newPage();
  const linked = await askSignIn(first, COLLEAGUE);
  const link = linked.text.match(/\/gestion\/connexion#jeton=[0-9a-f]{64}/)[0];
  await first.goto(`${BASE}${link}`);
  await first.getByText(/Vous êtes connecté·e, Collègue de démonstration\./).waitFor();
  const other = await launch(); // its own cookies
  const page = await other.context.newPage();
  await page.setViewportSize({ width: 320, height: 800 });
  const email = await askSignIn(page, COLLEAGUE);
  const code = email.text.match(/connexion : (\d{3} \d{3})/)[1];
  await page.getByLabel('Code à 6 chiffres reçu par e-mail (obligatoire)').fill(code);
  await page.getByRole('button', { name: 'Me connecter avec ce code' }).click();
  await page.getByRole('heading', { level: 1, name: 'Espace de gestion' }).waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 320, `the dashboard lays out at ${width} px`);
  await expectAccessible(page, 'back-office dashboard at 320 px');
  await page.getByRole('button', { name: 'Me déconnecter partout' }).click();
  await page.getByRole('heading', { level: 1, name: "Connexion à l'espace de gestion" }).waitFor();
  await other.browser.close();
  // The first browser's session ended too.
  await first.goto(`${BASE}/gestion/`);
  await first.getByRole('heading', { level: 1, name: "Connexion à l'espace de gestion" }).waitFor();
  await one.browser.close();
});

test('the public first visit does not download the back-office', async () => {
  const page = await pages.newPage();
  const paths = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  await page.goto(`${BASE}/`);
  await page.locator('article').first().waitFor();
  assert.deepEqual(paths.filter((p) => p.startsWith('/gestion')), []);
  await page.close();
});
