// Invitations to the demo committee (members only): the organiser invites
// two addresses from a pasted list (a bad line reported by its number, the
// report focused), generates a code shown once in a focused box, an invitee
// opens the emailed link and registers with the address locked, and the
// invitations page shows them registered through their link; axe-core on
// both pages, no sideways scroll at 320 px. One sign-in for the file (the
// account gets 5 sign-in emails an hour). Registers one person to the first
// workshop, which keeps seats for the files after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, browserForTests, expectAccessible, waitForEmail, signInAsOrganiser,
} from './helpers.mjs';

const COMMITTEE = 'comite-pilotage-villes-vivre-ensemble-prochain';
const PAGE = `${BASE}/gestion/organisations/demo/evenements/${COMMITTEE}/invitations`;
const FIRST = 'invitee.une@exemple.fr';
const SECOND = 'invitee.deux@exemple.fr';
const pages = browserForTests();

const focused = (page) => page.evaluate(() => ({
  id: document.activeElement?.id ?? '',
  text: document.activeElement?.textContent ?? '',
}));

async function noSidewaysScroll(page, name) {
  await page.setViewportSize({ width: 320, height: 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 320, `${name} lays out at ${width} px`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('an organiser invites two members and makes a code; an invitee registers through the link', async () => {
  const organiser = await pages.newPage();
  await signInAsOrganiser(organiser);
  await organiser.goto(PAGE);
  await organiser.getByRole('heading', { level: 1, name: 'Invitations' }).waitFor();
  const tab = organiser.getByRole('navigation', { name: "Pages de l'événement" }).getByRole('link', { name: 'Invitations' });
  assert.equal(await tab.getAttribute('aria-current'), 'page');

  // A pasted list with a bad line: two sent, line 2 reported, the report focused.
  await organiser.getByLabel('Adresses e-mail à inviter (obligatoire)').fill(`${FIRST}\npas une adresse\n${SECOND}; ${FIRST}`);
  await organiser.getByRole('button', { name: 'Envoyer les invitations' }).click();
  await organiser.waitForFunction(() => document.activeElement?.id === 'compte-rendu');
  const report = await focused(organiser);
  assert.match(report.text, /2 invitations envoyées/);
  assert.match(report.text, /Ligne 2 : « pas une adresse »/);
  const table = organiser.getByRole('table', { name: "Invitations, dans l'ordre d'envoi" });
  await table.getByRole('row', { name: new RegExp(FIRST.replace('.', '\\.')) }).getByText('Invitée, pas encore inscrite').waitFor();
  await table.getByRole('row', { name: new RegExp(SECOND.replace('.', '\\.')) }).waitFor();

  // A code, shown once in a focused box.
  await organiser.getByLabel('Libellé du code (obligatoire)').fill('Réseau des délégués');
  await organiser.getByRole('button', { name: 'Créer un code' }).click();
  await organiser.waitForFunction(() => document.activeElement?.id === 'code-cree');
  const code = (await organiser.locator('#code-cree .code').textContent()).trim();
  assert.match(code, /^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/, code);
  await expectAccessible(organiser, 'the invitations page with its new code');
  await noSidewaysScroll(organiser, 'the invitations page');
  await organiser.reload();
  await organiser.getByRole('button', { name: 'Révoquer le code « Réseau des délégués »' }).waitFor();
  assert.equal(await organiser.getByText(code).count(), 0, 'the code is never shown again');

  // The invitee opens the emailed link: the address is theirs, locked.
  const { email } = await waitForEmail(FIRST, /^Invitation : /);
  const link = email.text.match(new RegExp(`/evenements/${COMMITTEE}\\?invitation=[0-9a-f]{64}`));
  assert.ok(link, email.text);
  const invitee = await pages.newPage();
  await invitee.goto(`${BASE}${link[0]}`);
  const address = invitee.getByLabel('Adresse e-mail (celle de votre invitation)');
  await address.waitFor();
  await invitee.waitForFunction((expected) => document.querySelector('input[name="email"]')?.value === expected, FIRST);
  assert.equal(await address.isEditable(), false, 'the address cannot be changed');
  assert.equal(await invitee.getByLabel("Code d'invitation (facultatif)").count(), 0, 'no code needed');
  await invitee.getByLabel('Prénom (obligatoire)').fill('Inès');
  await invitee.getByLabel('Nom (obligatoire)', { exact: true }).fill('Invitée');
  await invitee.getByLabel('Organisation / structure (obligatoire)').fill('Ville de Creil');
  await invitee.getByLabel('Type de structure (obligatoire)').selectOption('collectivite');
  await invitee.getByLabel('Fonction (obligatoire)').fill('Déléguée du préfet');
  await invitee.getByRole('group', { name: /Travail en sous-groupes/ }).getByLabel(/Sujet n°1/).check();
  await invitee.getByRole('group', { name: /Déjeunerez-vous sur place/ }).getByLabel('Non').check();
  await invitee.getByLabel(/J'accepte que mes données/).check();
  await expectAccessible(invitee, 'the registration form opened by an invitation');
  await noSidewaysScroll(invitee, 'the registration form opened by an invitation');
  await invitee.getByRole('button', { name: "Je m'inscris" }).click();
  await invitee.getByRole('heading', { level: 1, name: /Inscription/ }).waitFor();
  await waitForEmail(FIRST, /^Inscription confirmée/);
  await invitee.close();

  // The organiser sees them registered through their link.
  await organiser.reload();
  await table.getByRole('row', { name: new RegExp(FIRST.replace('.', '\\.')) }).getByText('Inscrite (par son lien)').waitFor();
  await organiser.getByText('2 invitée(s), dont 1 inscrite(s).').waitFor();
  await organiser.close();
});
