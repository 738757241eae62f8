// The first visit of the agenda, as a phone on a slow network makes it: the
// page shows the site and a loading line before the app starts, every file
// comes precompressed, and the whole visit stays within 150 KB on the wire:
// the event and registration pages are a build of their own, never loaded
// by the agenda.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, browserForTests, expectAccessible } from './helpers.mjs';

const pages = browserForTests();

test('the agenda first visit is under 150 KB on the wire, precompressed, without the registration pages', async () => {
  const page = await pages.newPage();
  const sizes = [];
  const encodings = {};
  page.on('response', (response) => {
    encodings[new URL(response.url()).pathname] = response.headers()['content-encoding'];
  });
  const urls = [];
  const warnings = [];
  page.on('console', (message) => { if (message.type() === 'warning') warnings.push(message.text()); });
  page.on('request', (request) => urls.push(new URL(request.url()).pathname));
  page.on('requestfinished', async (request) => {
    const size = await request.sizes();
    sizes.push(size.responseHeadersSize + size.responseBodySize);
  });
  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  await page.locator('article').first().waitFor();
  await page.waitForLoadState('networkidle');
  const total = sizes.reduce((a, b) => a + b, 0);
  console.log(`first visit of the agenda: ${total} bytes on the wire in ${sizes.length} responses`);
  assert.ok(total <= 150_000, `first visit: ${total} bytes on the wire`);
  assert.deepEqual(urls.filter((path) => path.startsWith('/inscription/')), [], 'no registration bundle');
  // The agenda's events are fetched once: the page's preload is what the
  // app reads, not a second request.
  assert.equal(urls.filter((path) => path === '/api/events').length, 1, urls.join(' '));
  assert.deepEqual(warnings.filter((w) => w.includes('preload')), []);
  const wasm = Object.keys(encodings).find((path) => path.endsWith('.wasm'));
  assert.equal(encodings[wasm], 'br', 'the wasm comes brotli-compressed');
  // The placeholder made way for the app: one header, one main.
  assert.equal(await page.locator('header.site-header').count(), 1);
  assert.equal(await page.locator('#demarrage').count(), 0);
  await expectAccessible(page, 'agenda after first visit');
  await page.close();
});

test('before the app starts, the page already shows the site and a loading line', async () => {
  const html = await (await fetch(`${BASE}/`)).text();
  assert.match(html, /<a class="brand" href="\/">Parvis<\/a>/);
  assert.match(html, /Chargement de la page…/);
  const page = await pages.newPage();
  await page.route('**/*.wasm', () => {}); // the app never starts
  await page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' });
  await page.getByText("Chargement de la page…").waitFor();
  await expectAccessible(page, 'page before the app starts');
  await page.close();
});
