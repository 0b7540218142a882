import { readFileSync } from 'node:fs';
import { launchBrowser } from './support/browser.js';

const d = JSON.parse(readFileSync('/tmp/i18ui-dev.log', 'utf8'));
const b = await launchBrowser();
const t = await b.page();
await t.page.goto(`http://127.0.0.1:47318/traces/${d.big}`);
await t.page.waitForSelector('.span-row');
await t.page.waitForTimeout(500);
for (let i = 0; i < 4; i++) {
  const ms = await t.page.evaluate(`new Promise((res) => {
    const rows = document.querySelectorAll('.span-row');
    const row = rows[${3 + i}];
    const t0 = performance.now();
    row.click();
    const check = () => row.isConnected && document.querySelector('.span-row.selected') ? requestAnimationFrame(() => res(performance.now() - t0)) : setTimeout(check, 0);
    check();
  })`);
  console.log('click→paint ms', ms);
}
await t.page.keyboard.press('j');
const kms = await t.page.evaluate(
  `new Promise((res) => { const t0 = performance.now(); window.dispatchEvent(new KeyboardEvent('keydown', {key: 'j'})); requestAnimationFrame(() => res(performance.now() - t0)); })`,
);
console.log('j→frame ms', kms);
await b.close();
