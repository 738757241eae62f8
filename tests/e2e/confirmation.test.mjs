// The personal page of a registration waiting for its address to be
// confirmed (events with address confirmation): the holder sees why, and
// confirms with the keyboard; focus lands on the message that says so.
// The demo events do not ask for address confirmation, so the page's first
// load shows a real registration as the endpoint would while it is pending;
// the confirmation itself goes to the real endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, browserForTests, expectAccessible, waitForEmail, tokenOf, registerByApi,
} from './helpers.mjs';

const WEBINAR = 'webinaire-ceq-2030-ctg-restitution';

const pages = browserForTests();

test('a pending registration is confirmed from the personal page, by keyboard', async () => {
  await registerByApi(WEBINAR, { email: 'a-confirmer@exemple.fr' });
  const email = await waitForEmail('a-confirmer@exemple.fr', /^Inscription confirmée/);
  const token = tokenOf(email.email);
  const page = await pages.newPage();
  let first = true;
  await page.route(`**/api/registrations/${token}`, async (route) => {
    const response = await route.fetch();
    const view = await response.json();
    if (first && route.request().method() === 'GET') {
      first = false;
      view.status = 'pending';
    }
    await route.fulfill({ response, json: view });
  });
  await page.goto(`${BASE}/inscription/${token}`);
  await page.getByRole('heading', { level: 1, name: 'Mon inscription' }).waitFor();
  await page.getByText(/Adresse à confirmer/).waitFor();
  const button = page.getByRole('button', { name: 'Confirmer mon adresse' });
  await button.waitFor();
  await expectAccessible(page, 'pending registration');
  await button.focus();
  await page.keyboard.press('Enter');
  await page.getByText('Inscription confirmée.').waitFor();
  await page.getByText(/Votre adresse est confirmée/).waitFor();
  await page.waitForFunction(() => document.activeElement?.classList.contains('notice'));
  assert.equal(await button.count(), 0, 'nothing left to confirm');
  await expectAccessible(page, 'confirmed address');
  await page.close();
});
