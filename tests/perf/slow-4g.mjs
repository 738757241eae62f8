// The agenda's first visit on a slow phone: Chromium throttled the way
// Lighthouse's mobile preset does (slow 4G: 562.5 ms round trip, 1.47 Mbit/s
// down, 675 kbit/s up; CPU four times slower), cold cache each time.
// Prints the median of five visits: first paint (the static header and the
// loading line of index.html) and the agenda with its events. Run by
// `cargo xtask bench` against its own server (PARVIS_URL).
import { chromium } from 'playwright-core';

const BASE = process.env.PARVIS_URL;
if (!BASE) throw new Error('PARVIS_URL must point to the running endpoint');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const paints = [];
const agendas = [];
for (let run = 0; run < 5; run += 1) {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 562.5,
    downloadThroughput: (1474.56 * 1024) / 8,
    uploadThroughput: (675 * 1024) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const start = Date.now();
  await page.goto(`${BASE}/`, { waitUntil: 'commit' });
  await page.locator('article').first().waitFor({ timeout: 60000 });
  agendas.push((Date.now() - start) / 1000);
  const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
  paints.push(paint / 1000);
  await context.close();
}
await browser.close();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const line = (label, value) => console.log(`${label.padEnd(48)} ${value.toFixed(2).padStart(8)} s`);
line('premier affichage (en-tête, ligne de chargement)', median(paints));
line("agenda affiché (événements), médiane de 5", median(agendas));
