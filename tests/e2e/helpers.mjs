// Shared helpers of the end-to-end journeys: the browser, axe-core, and the
// outbox of the running endpoint.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import PostalMime from 'postal-mime';

export const BASE = process.env.PARVIS_URL;
export const OUTBOX = process.env.PARVIS_OUTBOX;
assert.ok(BASE, 'PARVIS_URL must point to the running endpoint');
assert.ok(OUTBOX, 'PARVIS_OUTBOX must point to its outbox directory');

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  return { browser, context };
}

/// One browser for the tests of a file, opened before them and closed after:
/// `const pages = browserForTests();` then `await pages.newPage()`.
export function browserForTests() {
  let opened;
  before(async () => {
    opened = await launch();
  });
  after(async () => {
    await opened?.browser.close();
  });
  return { newPage: () => opened.context.newPage() };
}

export async function expectAccessible(page, name) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(summary, [], `axe-core violations on ${name}`);
}

/// The emails sent to `recipient`, oldest first, as { email, raw, file }.
export async function emailsTo(recipient) {
  let files = [];
  try { files = (await readdir(OUTBOX)).filter((f) => f.endsWith('.eml')); } catch { /* not yet created */ }
  const found = [];
  for (const file of files) {
    const raw = await readFile(join(OUTBOX, file));
    const email = await PostalMime.parse(raw);
    if (email.to?.some((t) => t.address === recipient)) found.push({ email, raw: raw.toString('latin1'), file });
  }
  found.sort((a, b) => new Date(a.email.date) - new Date(b.email.date));
  return found;
}

/// Waits for an email to `recipient` whose subject matches `subject`.
export async function waitForEmail(recipient, subject = /./, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = (await emailsTo(recipient)).find(({ email }) => subject.test(email.subject));
    if (match) return match;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no email for ${recipient} matching ${subject} in ${OUTBOX}`);
}

/// The calendar file attached to a raw email, decoded from its base64 part
/// (parsers normalise calendar line ends; RFC 5545 wants CRLF).
export function calendarOf(raw) {
  const part = raw.split(/\r\n--/).find((p) => p.includes('filename="invitation.ics"'));
  if (!part) return null;
  assert.match(part, /Content-Transfer-Encoding: base64/);
  return Buffer.from(part.split('\r\n\r\n')[1].replace(/\s+/g, ''), 'base64').toString('utf8');
}

/// The personal token of an email's "manage" link.
export function tokenOf(email) {
  const match = email.text.match(/\/inscription\/([0-9a-f]{64})/);
  assert.ok(match, 'the email carries a personal link');
  return match[1];
}

/// Registers through the API, as another participant would have.
export async function registerByApi(slug, body) {
  const response = await fetch(`${BASE}/api/events/${slug}/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      first_name: 'Membre', last_name: 'Du comité', organisation: 'Ville de Creil',
      role: 'Chargée de mission', territory: '', consent: true, structure_type: 'collectivite', ...body,
    }),
  });
  const text = await response.text();
  assert.equal(response.status, 201, text);
  return JSON.parse(text);
}

/// Fills the person fields of a registration form.
export async function fillPerson(page, email, first = 'Camille') {
  await page.getByLabel('Prénom (obligatoire)').fill(first);
  await page.getByLabel('Nom (obligatoire)', { exact: true }).fill('Martin');
  await page.getByLabel('Adresse e-mail (obligatoire)').fill(email);
  await page.getByLabel('Organisation / structure (obligatoire)').fill('Ville de Creil');
  await page.getByLabel('Type de structure (obligatoire)').selectOption('collectivite');
  await page.getByLabel('Fonction (obligatoire)').fill('Cheffe de projet politique de la ville');
}

/// The demo organiser's address. An account gets at most 5 sign-in emails an
/// hour: the files of the suite share one session rather than each asking.
export const ORGANISER = 'gestion@crpve.example.org';

/// Signs `page`'s browser in as the demo organiser: with the session the
/// suite already opened when it is still valid (unless `fresh`), otherwise
/// through the emailed link (the session is then kept for the next files).
export async function signInAsOrganiser(page, { fresh = false } = {}) {
  const kept = join(OUTBOX, '..', 'organiser-session.json');
  if (!fresh) {
    try {
      await page.context().addCookies(JSON.parse(await readFile(kept, 'utf8')));
      const me = await page.request.get(`${BASE}/api/gestion/moi`);
      if (me.status() === 200) return;
    } catch { /* no session kept yet */ }
  }
  const before = (await emailsTo(ORGANISER)).length;
  const asked = await page.request.post(`${BASE}/api/gestion/connexion`, { data: { email: ORGANISER } });
  assert.equal(asked.status(), 202, await asked.text());
  const deadline = Date.now() + 20000;
  let emails = [];
  while (Date.now() < deadline) {
    emails = await emailsTo(ORGANISER);
    if (emails.length > before) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(emails.length > before, 'a sign-in email');
  const link = emails[emails.length - 1].email.text.match(/\/gestion\/connexion#jeton=[0-9a-f]{64}/)[0];
  await page.goto(`${BASE}${link}`);
  await page.getByText(/Vous êtes connecté·e/).waitFor();
  const cookies = (await page.context().cookies()).filter((c) => c.name === 'parvis_session');
  await writeFile(kept, JSON.stringify(cookies));
}

/// Waits until the focus is on an element of its own whose text matches
/// `pattern` (a string it contains, or a RegExp). The page's body and its
/// main region hold every message's text, so the focus resting on them (as
/// it does after a navigation) never counts: a key pressed next would not go
/// where the journey expects.
export async function waitForFocusOn(page, pattern, { timeout } = {}) {
  const wanted = pattern instanceof RegExp
    ? { source: pattern.source, flags: pattern.flags, text: null }
    : { source: null, flags: '', text: String(pattern) };
  await page.waitForFunction(({ source, flags, text }) => {
    const element = document.activeElement;
    if (!element || element === document.body || element === document.documentElement
      || element.tagName === 'MAIN') {
      return false;
    }
    const content = element.textContent ?? '';
    return source === null ? content.includes(text) : new RegExp(source, flags).test(content);
  }, wanted, timeout === undefined ? {} : { timeout });
}
