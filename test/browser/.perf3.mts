import { readFileSync } from 'node:fs';
import { launchBrowser } from './support/browser.js';

const d = JSON.parse(readFileSync('/tmp/i18ui-dev.log', 'utf8'));
const b = await launchBrowser();
const t = await b.page();
const url = `http://127.0.0.1:47318/traces/${d.big}`;
await t.page.goto(url);
await t.page.waitForSelector('.span-row');
for (let i = 0; i < 3; i++) {
  await t.page.goto(url);
  await t.page.waitForSelector('.span-row');
  const r = await t.page.evaluate(`(() => {
    const rows = performance.now();
    const res = performance.getEntriesByType('resource').find((e) => e.name.endsWith('${d.big}'));
    return { rowsAt: rows, treeRequestStart: res.requestStart, treeResponseStart: res.responseStart, treeResponseEnd: res.responseEnd };
  })()`);
  console.log(r);
}
await b.close();
