// The app runs under its Content-Security-Policy (no inline script but the
// trunk loader, allowed by its hash; wasm through 'wasm-unsafe-eval'): every
// page renders, and the browser reports no violation. App routes answer 200,
// an unknown event 404, and an event page carries its Open Graph tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, browserForTests } from './helpers.mjs';

const pages = browserForTests();

const WEBINAR = 'webinaire-ceq-2030-ctg-restitution';

async function visit(path, heading) {
  const page = await pages.newPage();
  const violations = [];
  page.on('console', (message) => {
    if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  page.on('pageerror', (error) => violations.push(String(error)));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content-Security-Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const response = await page.goto(`${BASE}${path}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  assert.deepEqual(violations, [], `no CSP violation on ${path}`);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(response.headers()['referrer-policy'], 'no-referrer');
  return { page, response };
}

test('the app renders under its Content-Security-Policy, with no violation', async () => {
  const agenda = await visit('/', 'Agenda');
  assert.equal(agenda.response.status(), 200);
  const event = await visit(`/evenements/${WEBINAR}`, /Articuler contrats/);
  assert.equal(event.response.status(), 200);
  const manage = await visit(`/inscription/${'0'.repeat(64)}`, /inscription/i);
  assert.equal(manage.response.status(), 200, 'a personal link is a page, not a 404');
});

test('an unknown event is a 404 showing the app, and event links preview', async () => {
  const missing = await fetch(`${BASE}/evenements/cet-evenement-n-existe-pas`);
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /<script/);
  const shared = await (await fetch(`${BASE}/evenements/${WEBINAR}`)).text();
  assert.match(shared, /<meta property="og:title" content="Articuler contrats/);
  assert.match(shared, /<title>Articuler contrats[^<]* – Parvis<\/title>/);
  const redirect = await fetch(`${BASE}//rapports`, { redirect: 'manual' });
  assert.notEqual(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), null);
});
