/**
 * The explorer behind API keys (TRACEBRIDGE_API_KEYS): the page asks for a key once, keeps it in sessionStorage
 * (never in the URL), sends it as a Bearer token, asks again for a refused key, and a key scoped to one
 * experiment sees only that experiment's traces.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningBridge } from '../../cli/bridge.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { launchBrowser, type TabUnderTest, type TestBrowser } from './support/browser.js';
import { type Seeded, seedDemo } from './support/seed.js';
import { testUiDir } from './support/ui-dir.js';

const FULL = 'full-key-0123456789';
const SCOPED = 'scoped-key-0123456789';

let db: TestDatabase;
let bridge: RunningBridge;
let browser: TestBrowser;
let seeded: Seeded;
let base: string;

before(async () => {
  db = await freshDatabase();
  bridge = await startTestBridge({
    uiDir: testUiDir(),
    databaseUrl: db.url,
    apiKeys: `${FULL},${SCOPED}=research-assistant`,
  });
  base = `http://127.0.0.1:${bridge.httpPort}`;
  seeded = await seedDemo(bridge.httpPort, { authorization: `Bearer ${FULL}` });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
  await db?.drop();
});

/** Chromium logs every 401 answer as a failed resource load: those are expected here, nothing else is. */
function unexpectedErrors(tab: TabUnderTest): string[] {
  return tab.errors.filter((e) => !/status of 40[14]/.test(e));
}

async function enterKey(tab: TabUnderTest, key: string) {
  await tab.page.waitForSelector('dialog.key-dialog[open]');
  await tab.page.fill('dialog.key-dialog input[name=key]', key);
  await tab.page.press('dialog.key-dialog input[name=key]', 'Enter');
}

describe('access with API keys', () => {
  it('asks for a key, refuses a wrong one, keeps the right one for the tab and never puts it in a URL', async () => {
    const tab = await browser.page();
    const authHeaders: string[] = [];
    tab.page.on('request', (r) => {
      if (r.url().includes('/api/v1/')) authHeaders.push(r.headers().authorization ?? '');
      assert.ok(!r.url().includes(FULL), `a URL carried the key: ${r.url()}`);
    });
    await tab.page.goto(`${base}/`);
    await enterKey(tab, 'not-a-key');
    await tab.page.waitForSelector('dialog.key-dialog[open] >> text=That key was refused');
    await enterKey(tab, FULL);
    await tab.page.waitForSelector('.list a.row');
    assert.equal(await tab.page.locator('.list a.row').count(), 9);
    assert.equal(await tab.page.evaluate("sessionStorage.getItem('tracebridge.apiKey')"), FULL);
    assert.equal(await tab.page.evaluate('localStorage.length'), 0);
    assert.ok(authHeaders.includes(`Bearer ${FULL}`));
    assert.ok(!tab.page.url().includes(FULL));

    // Asked once: a reload and a deep link use the kept key.
    await tab.page.goto(`${base}/traces/${seeded.rag}`);
    await tab.page.waitForSelector('.span-row');
    assert.equal(await tab.page.locator('dialog.key-dialog[open]').count(), 0);
    assert.deepEqual(unexpectedErrors(tab), []);
    await tab.page.close();
  });

  it('shows a scoped key only its experiments', async () => {
    const tab = await browser.page();
    await tab.page.goto(`${base}/`);
    await enterKey(tab, SCOPED);
    await tab.page.waitForSelector('.list a.row');
    const hrefs = await tab.page.$$eval('.list a.row', (rs) => rs.map((r) => r.getAttribute('href')));
    assert.deepEqual(hrefs.sort(), [`/traces/${seeded.orphan}`, `/traces/${seeded.rag}`].sort());
    const experiments = await tab.page.$$eval('.experiment-picker option', (o) =>
      o.map((x) => x.textContent),
    );
    assert.deepEqual(experiments, ['All experiments', 'research-assistant']);
    // Another experiment's trace is not found with this key.
    await tab.page.goto(`${base}/traces/${seeded.failing}`);
    await tab.page.waitForSelector('.error-box');
    assert.match(await tab.page.locator('.error-box').innerText(), /Not found/);
    assert.deepEqual(unexpectedErrors(tab), []);
    await tab.page.close();
  });
});

describe('access without keys', () => {
  it('opens without asking when the bridge has no keys', async () => {
    const open = await startTestBridge({ uiDir: testUiDir(), databaseUrl: db.url });
    try {
      const tab = await browser.page();
      await tab.page.goto(`http://127.0.0.1:${open.httpPort}/`);
      await tab.page.waitForSelector('.list a.row');
      assert.equal(await tab.page.locator('dialog.key-dialog[open]').count(), 0);
      assert.deepEqual(tab.errors, []);
      await tab.page.close();
    } finally {
      await open.stop();
    }
  });
});
