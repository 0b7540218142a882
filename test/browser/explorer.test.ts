/**
 * The web explorer in a real Chromium against a live bridge and Postgres, filled through the OTLP port: the list
 * with its URL filters, keyboard and polling, the trace page (tree, waterfall, tabs, search, collapse, failures,
 * a root that never arrived), the run and session pages, hostile content staying inert, no console errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { RunningBridge } from '../../cli/bridge.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { launchBrowser, type TabUnderTest, type TestBrowser } from './support/browser.js';
import { otlpJson, type Seeded, seedDemo, send, XSS_IMG, XSS_SCRIPT } from './support/seed.js';
import { testUiDir } from './support/ui-dir.js';

let db: TestDatabase;
let bridge: RunningBridge;
let browser: TestBrowser;
let seeded: Seeded;
let base: string;

before(async () => {
  db = await freshDatabase();
  bridge = await startTestBridge({ uiDir: testUiDir(), databaseUrl: db.url });
  base = `http://127.0.0.1:${bridge.httpPort}`;
  seeded = await seedDemo(bridge.httpPort);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
  await db?.drop();
});

/** Opens `path` and waits until the list or the page's content has rendered. */
async function open(path: string, opts?: { width?: number }): Promise<TabUnderTest> {
  const tab = await browser.page(opts);
  await tab.page.goto(`${base}${path}`);
  return tab;
}

async function listNames(page: Page): Promise<string[]> {
  await page.waitForSelector('.list a.row, .empty', { timeout: 15_000 });
  return page.$$eval('.list .row .name', (els) => els.map((e) => e.textContent ?? ''));
}

async function done(tab: TabUnderTest) {
  assert.deepEqual(tab.errors, [], 'no console errors');
  await tab.page.close();
}

describe('trace list', () => {
  it('lists every trace newest first, with state, failed spans, counts, tokens, models and previews', async () => {
    const tab = await open('/');
    const names = await listNames(tab.page);
    assert.equal(names.length, 9);
    // The hostile trace is the newest; the three support turns the oldest.
    assert.match(names[0]!, /^invoke_agent <img/);
    assert.deepEqual(names.slice(-3), [
      'invoke_agent support',
      'invoke_agent support',
      'invoke_agent support',
    ]);
    const failing = tab.page.locator(`.row[href="/traces/${seeded.failing}"]`);
    assert.match(await failing.locator('.state').innerText(), /Error\s*2 failed/);
    assert.equal(await failing.locator('.cell-num[title=Spans]').innerText(), '4');
    const rag = tab.page.locator(`.row[href="/traces/${seeded.rag}"]`);
    assert.match(await rag.locator('.preview.req').innerText(), /Q3 report/);
    assert.match(await rag.locator('.preview.res').innerText(), /Churn fell/);
    assert.match(await rag.innerText(), /gpt-4o/);
    assert.match(await rag.innerText(), /1\.9k/); // 1820 + 64 + 11 tokens
    await done(tab);
  });

  it('applies the filters from the query string', async () => {
    const cases: [string, (names: string[]) => void][] = [
      ['/?q=broken', (n) => assert.deepEqual(n, ['invoke_agent support'])],
      ['/?state=ERROR', (n) => assert.deepEqual(n, ['invoke_agent support'])],
      [
        '/?experiment=research-assistant',
        (n) => assert.deepEqual(n, ['execute_tool fetch_notes', 'answer_question']),
      ],
      ['/?span_type=RETRIEVER', (n) => assert.deepEqual(n, ['answer_question'])],
      ['/?min_duration_ms=3000', (n) => assert.deepEqual(n, ['answer_question'])],
      ['/?errors=true', (n) => assert.equal(n.length, 1)],
      ['/?since=15m', (n) => assert.equal(n.length, 4)],
      ['/?tag=deployment.environment%3Dstaging&experiment=autogen-team', (n) => assert.equal(n.length, 2)],
      ['/?state=IN_PROGRESS&experiment=support-agent', (n) => assert.deepEqual(n, [])],
    ];
    for (const [path, check] of cases) {
      const tab = await open(path);
      const names = await listNames(tab.page);
      try {
        check(names);
      } catch (e) {
        throw new Error(`${path}: ${(e as Error).message}`);
      }
      await done(tab);
    }
  });

  it('writes filters chosen in the page into the query string', async () => {
    const tab = await open('/');
    await listNames(tab.page);
    await tab.page.selectOption('select[name=state]', 'ERROR');
    await tab.page.waitForURL(/state=ERROR/);
    await tab.page.fill('input[name=q]', 'broken');
    await tab.page.waitForURL(/q=broken/);
    assert.deepEqual(await listNames(tab.page), []);
    await tab.page.click('text=Clear filters');
    await tab.page.waitForURL(`${base}/`);
    assert.equal((await listNames(tab.page)).length, 9);
    await done(tab);
  });

  it('moves with j/k and arrows and opens with Enter', async () => {
    const tab = await open('/?experiment=research-assistant');
    await listNames(tab.page);
    await tab.page.keyboard.press('j');
    await tab.page.keyboard.press('j');
    await tab.page.keyboard.press('k');
    await tab.page.keyboard.press('ArrowDown');
    const active = await tab.page.getAttribute('.row.active', 'href');
    assert.equal(active, `/traces/${seeded.rag}`);
    await tab.page.keyboard.press('Enter');
    await tab.page.waitForURL(`${base}/traces/${seeded.rag}`);
    await tab.page.waitForSelector('.span-row');
    await done(tab);
  });

  it('shows new traces without a reload', async () => {
    const tab = await open('/?q=zebra');
    assert.deepEqual(await listNames(tab.page), []);
    const id = '0123456789abcdef0123456789abcdef';
    await send(
      bridge.httpPort,
      otlpJson('research-assistant', id, Date.now(), [
        {
          spanId: '0123456789abcdef',
          name: 'arrived later',
          startMs: 0,
          endMs: 5,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.input.messages': JSON.stringify([
              { role: 'user', parts: [{ type: 'text', content: 'a zebra' }] },
            ]),
          },
        },
      ]),
    );
    await tab.page.waitForSelector(`.row[href="/traces/${id}"]`, { timeout: 15_000 });
    await done(tab);
  });

  it('pages by keyset: the next page loads when the end of the list scrolls into view', async () => {
    const t0 = Date.now() - 2 * 86_400_000;
    for (let i = 0; i < 55; i += 11) {
      await Promise.all(
        Array.from({ length: 11 }, (_, j) =>
          send(
            bridge.httpPort,
            otlpJson('bulk', (i + j + 1).toString(16).padStart(32, 'b'), t0 + (i + j) * 1000, [
              {
                spanId: (i + j + 1).toString(16).padStart(16, 'c'),
                name: `bulk ${i + j}`,
                startMs: 0,
                endMs: 3,
              },
            ]),
          ),
        ),
      );
    }
    const tab = await open('/?experiment=bulk');
    const first = await listNames(tab.page);
    assert.equal(first.length, 50);
    assert.equal(first[0], 'bulk 54');
    await tab.page.locator('.list-foot').scrollIntoViewIfNeeded();
    await tab.page.waitForSelector('.list-foot >> text=55 traces');
    const all = await listNames(tab.page);
    assert.equal(all.length, 55);
    assert.equal(all.at(-1), 'bulk 0');
    await done(tab);
  });

  it('has a runs view and a sessions view', async () => {
    const runs = await open('/?view=runs&experiment=autogen-team');
    await runs.page.waitForSelector('a.run-row');
    assert.equal(await runs.page.locator('a.run-row').count(), 1);
    assert.equal(await runs.page.locator('a.run-row .cell-num[title=Traces]').innerText(), '2');
    await done(runs);
    const sessions = await open('/?view=sessions&experiment=support-agent');
    await sessions.page.waitForSelector('a.session-row');
    assert.match(await sessions.page.locator('a.session-row').first().innerText(), /sess-/);
    // Session ids are per experiment: the link names it.
    assert.ok(
      await sessions.page
        .locator(`.session-row[href="/sessions/${seeded.sessionId}?experiment=support-agent"]`)
        .count(),
    );
    await done(sessions);
  });
});

describe('trace page', () => {
  it('draws the tree with types, waterfall, tokens and model, and totals in the header', async () => {
    const tab = await open(`/traces/${seeded.support[0]}`);
    await tab.page.waitForSelector('.span-row');
    const names = await tab.page.$$eval('.span-row .span-name', (e) => e.map((x) => x.textContent));
    assert.deepEqual(names, [
      'invoke_agent support',
      'chat gpt-4o-mini',
      'execute_tool lookup_order',
      'chat gpt-4o-mini',
    ]);
    assert.equal(await tab.page.locator('.span-row .type-icon.t-agent').count(), 1);
    assert.equal(await tab.page.locator('.span-row .type-icon.t-tool').count(), 1);
    assert.equal(await tab.page.locator('.span-row .bar').count(), 4);
    const head = await tab.page.locator('.page-head').innerText();
    assert.match(head, /1,076/); // 412 + 38 + 530 + 96 tokens
    assert.match(head, /gpt-4o-mini/);
    assert.match(head, new RegExp(seeded.sessionId));
    // The root is selected; its Chat tab shows the question and the answer.
    await tab.page.waitForSelector('.chat .message');
    assert.match(await tab.page.locator('.chat').innerText(), /refund/);
    await done(tab);
  });

  it('shows a model call as a conversation with its tool call, and the other tabs', async () => {
    const tab = await open(`/traces/${seeded.support[0]}`);
    await tab.page.waitForSelector('.span-row');
    await tab.page.locator('.span-row', { hasText: 'chat gpt-4o-mini' }).last().click();
    await tab.page.waitForSelector('.chat .role-tool');
    const chat = tab.page.locator('.chat');
    assert.match(await chat.locator('.role-system').innerText(), /helpful support agent/);
    assert.match(await chat.locator('.tool-call').innerText(), /lookup_order/);
    assert.match(await chat.locator('.role-tool').innerText(), /delivered/);
    // Markdown rendered: the answer's bold text is <strong>.
    assert.ok(await chat.locator('.role-assistant strong').count());
    await tab.page.check('.tab-tools input[type=checkbox]');
    assert.match(await tab.page.locator('.json-view').first().innerText(), /input_messages/);

    await tab.page.click('role=tab[name="Inputs / Outputs"]');
    assert.match(await tab.page.locator('.tab-panel').innerText(), /Inputs[\s\S]*Outputs/i);
    await tab.page.click('role=tab[name="Attributes"]');
    const attrs = await tab.page.locator('.tab-panel').innerText();
    assert.match(attrs, /gen_ai\.request\.model/);
    assert.match(attrs, /Resource[\s\S]*service\.name[\s\S]*support-agent/i);
    assert.match(attrs, /Scope[\s\S]*tracebridge\.browser-test/i);
    await done(tab);
  });

  it('marks failed spans and shows the exception with its stack', async () => {
    const tab = await open(`/traces/${seeded.failing}`);
    await tab.page.waitForSelector('.span-row');
    assert.equal(await tab.page.locator('.span-row.failed').count(), 2);
    await tab.page.keyboard.press('e'); // from the (failed) root to the next failed span
    await tab.page.waitForSelector('.span-row.selected.failed');
    assert.match(await tab.page.locator('.span-row.selected').innerText(), /lookup_order/);
    await tab.page.click('role=tab[name=/Events/]');
    const events = await tab.page.locator('.event.exception').innerText();
    assert.match(events, /ConnectionError/);
    assert.match(events, /agent\/tools\.py", line 42/);
    await done(tab);
  });

  it('searches within the trace, collapses and expands, and moves by keyboard', async () => {
    const tab = await open(`/traces/${seeded.support[0]}`);
    await tab.page.waitForSelector('.span-row');
    await tab.page.keyboard.press('/');
    await tab.page.keyboard.type('lookup');
    assert.equal(await tab.page.locator('.span-row.match').count(), 1);
    assert.match(await tab.page.locator('.match-count').innerText(), /1 of 1/);
    await tab.page.keyboard.press('Enter');
    assert.match(await tab.page.locator('.span-row.selected').innerText(), /lookup_order/);
    await tab.page.keyboard.press('Escape');

    await tab.page.keyboard.press('[');
    assert.equal(await tab.page.locator('.span-row').count(), 1);
    await tab.page.keyboard.press(']');
    assert.equal(await tab.page.locator('.span-row').count(), 4);
    await tab.page.click('button[title^="Collapse all"]');
    assert.equal(await tab.page.locator('.span-row').count(), 1);
    await tab.page.click('button[title^="Expand all"]');

    await tab.page.locator('.span-row').first().click();
    await tab.page.keyboard.press('j');
    assert.match(await tab.page.locator('.span-row.selected').innerText(), /chat gpt-4o-mini/);
    await tab.page.keyboard.press('ArrowDown');
    assert.match(await tab.page.locator('.span-row.selected').innerText(), /lookup_order/);
    await tab.page.keyboard.press('h'); // a leaf: go to its parent
    assert.match(await tab.page.locator('.span-row.selected').innerText(), /invoke_agent/);
    await tab.page.keyboard.press('ArrowLeft'); // collapse
    assert.equal(await tab.page.locator('.span-row').count(), 1);
    await tab.page.keyboard.press('ArrowRight'); // expand
    assert.equal(await tab.page.locator('.span-row').count(), 4);
    await tab.page.keyboard.press('G');
    assert.equal(await tab.page.locator('.span-row').last().getAttribute('aria-selected'), 'true');
    await tab.page.keyboard.press('?');
    assert.ok(await tab.page.locator('details.help[open]').count());
    await tab.page.keyboard.press('Escape');
    assert.equal(await tab.page.locator('details.help[open]').count(), 0);
    // The selected span is in the URL: a reload keeps it.
    await tab.page.keyboard.press('g');
    // The URL is written as the selection changes; reload only once the page shows the root selected.
    await tab.page.locator('.span-row.selected', { hasText: 'invoke_agent' }).waitFor();
    await tab.page.reload();
    await tab.page.waitForSelector('.span-row.selected');
    assert.match(await tab.page.locator('.span-row.selected').innerText(), /invoke_agent/);
    await done(tab);
  });

  it('says when the root span never arrived', async () => {
    const tab = await open(`/traces/${seeded.orphan}`);
    await tab.page.waitForSelector('.span-row');
    assert.match(await tab.page.locator('.notice').innerText(), /root span of this trace never arrived/);
    assert.match(await tab.page.locator('.page-head').innerText(), /In progress/);
    assert.equal(await tab.page.locator('.span-row').count(), 2);
    // The page refreshes itself while the trace is in progress: the root arrives, the notice goes.
    await send(
      bridge.httpPort,
      otlpJson('research-assistant', seeded.orphan, seeded.orphanT0, [
        { spanId: seeded.orphanRoot, name: 'summarize_meeting', startMs: 0, endMs: 950 },
      ]),
    );
    await tab.page.waitForSelector('.notice', { state: 'detached', timeout: 15_000 });
    assert.equal(await tab.page.locator('.span-row').count(), 3);
    assert.equal(
      await tab.page
        .locator('.span-row')
        .first()
        .innerText()
        .then((t) => t.split('\n')[0]),
      'summarize_meeting',
    );
    await done(tab);
  });

  it('links a span to the trace it links to', async () => {
    const tab = await open(`/traces/${seeded.runChild}`);
    await tab.page.waitForSelector('.span-row');
    await tab.page.click('role=tab[name=/Links/]');
    await tab.page.click(`.links a`);
    await tab.page.waitForURL(new RegExp(`/traces/${seeded.runParent}\\?span=`));
    await tab.page.waitForSelector('.span-row.selected');
    assert.match(await tab.page.locator('.span-row.selected').innerText(), /autogen publish reviewer/);
    await done(tab);
  });
});

describe('run and session pages', () => {
  it('shows a run as one tree: the linked trace under the span it links from', async () => {
    const tab = await open(`/traces/${seeded.runParent}`);
    await tab.page.waitForSelector('.page-head a[href^="/runs/"]');
    await tab.page.click('.page-head a[href^="/runs/"]');
    await tab.page.waitForSelector('.span-row');
    const rows = await tab.page.$$eval('.span-row', (rs) =>
      rs.map((r) => [r.getAttribute('aria-level'), r.querySelector('.span-name')?.textContent]),
    );
    assert.deepEqual(rows, [
      ['1', 'invoke_agent writer'],
      ['2', 'autogen publish reviewer'],
      ['3', 'autogen process reviewer'],
      ['4', 'chat gpt-4o-mini'],
    ]);
    assert.match(await tab.page.locator('.page-head').innerText(), /Traces\s*2/i);
    await done(tab);
  });

  it('shows a session as a conversation in time order with totals', async () => {
    // With the experiment named (as the app links it), and without (the most recently active one answers).
    for (const path of [
      `/sessions/${seeded.sessionId}?experiment=support-agent`,
      `/sessions/${seeded.sessionId}`,
    ]) {
      const tab = await open(path);
      await tab.page.waitForSelector('.turn');
      const turns = await tab.page.$$eval('.turn .role-user', (e) => e.map((x) => x.textContent ?? ''));
      assert.equal(turns.length, 3, path);
      assert.match(turns[0]!, /refund/);
      assert.match(turns[2]!, /confirmation/);
      assert.match(await tab.page.locator('.page-head').innerText(), /Traces\s*3/i);
      await done(tab);
    }
    // Another experiment has no such session: a 404 (Chromium logs the failed request, so no done()).
    const other = await open(`/sessions/${seeded.sessionId}?experiment=research-assistant`);
    assert.match(await other.page.locator('.error-box').innerText(), /Not found/);
    await other.page.close();
  });

  it('marks a tool span’s derived arguments and result on the Inputs / Outputs tab', async () => {
    const tab = await open(`/traces/${seeded.support[1]}`);
    await tab.page.locator('.span-row', { hasText: 'execute_tool lookup_order' }).click();
    await tab.page.click('role=tab[name="Inputs / Outputs"]');
    const notes = tab.page.locator('.derived-note');
    await notes.first().waitFor();
    assert.deepEqual(await notes.allInnerTexts(), [
      'derived from the model’s tool call in the chat messages',
      'derived from the tool message in the chat messages',
    ]);
    assert.match(await tab.page.locator('.tab-panel').innerText(), /A-1042/);
    // A tool span sent whole has no note.
    const whole = await open(`/traces/${seeded.support[0]}`);
    await whole.page.locator('.span-row', { hasText: 'execute_tool lookup_order' }).click();
    await whole.page.click('role=tab[name="Inputs / Outputs"]');
    await whole.page.locator('.tab-panel', { hasText: 'A-1042' }).waitFor();
    assert.equal(await whole.page.locator('.derived-note').count(), 0);
    await done(whole);
    await done(tab);
  });
});

describe('hostile content', () => {
  it('never runs a script or handler from a prompt, a span name, an attribute key or a tag', async () => {
    const pages = ['/', `/traces/${seeded.xss}`];
    for (const path of pages) {
      const tab = await open(path);
      await tab.page.waitForSelector('a.row, .span-row');
      if (path !== '/') {
        await tab.page.waitForSelector('.chat .message');
        assert.match(await tab.page.locator('.chat').innerText(), /<script>window\.__xss/);
        await tab.page.click('role=tab[name="Attributes"]');
        assert.match(await tab.page.locator('.kv').first().innerText(), /<script>window\.__xss/);
        await tab.page.locator('.span-row').nth(1).click();
        await tab.page.click('role=tab[name="Chat"]');
        await tab.page.waitForSelector('.chat .message');
      } else {
        assert.ok(
          (await tab.page.locator(`a.row[href="/traces/${seeded.xss}"]`).innerText()).includes(
            '<img src=x onerror',
          ),
        );
      }
      // Give any handler a chance to fire, then look for it and for live elements.
      await tab.page.waitForTimeout(300);
      assert.equal(await tab.page.evaluate('window.__xss'), undefined);
      assert.equal(await tab.page.locator('#app script, #app img, #app iframe, #app [onerror]').count(), 0);
      assert.equal(await tab.page.locator('#app a[href^="javascript:"]').count(), 0);
      await done(tab);
    }
    assert.ok(XSS_SCRIPT && XSS_IMG);
  });
});

describe('narrow windows', () => {
  it('lays out the list and the trace page at 390 px without horizontal scrolling', async () => {
    for (const path of ['/', `/traces/${seeded.support[0]}`]) {
      const tab = await open(path, { width: 390 });
      await tab.page.waitForSelector('a.row, .span-row');
      const overflow = await tab.page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
      await done(tab);
    }
  });
});
