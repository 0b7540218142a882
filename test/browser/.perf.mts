import { readFileSync } from 'node:fs';
import { launchBrowser } from './support/browser.js';

const d = JSON.parse(readFileSync('/tmp/i18ui-dev.log', 'utf8'));
const b = await launchBrowser();
const t = await b.page();
const url = `http://127.0.0.1:47318/traces/${d.big}`;
await t.page.goto(url);
await t.page.waitForSelector('.span-row');
for (let i = 0; i < 2; i++) {
  const t0 = Date.now();
  let tResp = 0,
    tBody = 0;
  t.page.on('response', async (r) => {
    if (r.url().endsWith(d.big)) {
      tResp = Date.now() - t0;
      await r.finished();
      tBody = Date.now() - t0;
    }
  });
  await t.page.goto(url);
  await t.page.waitForSelector('.span-row');
  const tRows = Date.now() - t0;
  await t.page.locator('.span-row').nth(3).click();
  await t.page.waitForSelector('.span-row.selected >> nth=0');
  const tClick = Date.now() - t0;
  console.log({ tResp, tBody, tRows, tClick });
  t.page.removeAllListeners('response');
}
const prof = await t.page.evaluate(
  `JSON.stringify(performance.getEntriesByType('navigation').map(e => ({dcl: e.domContentLoadedEventEnd, load: e.loadEventEnd})))`,
);
console.log(prof);
await b.close();
