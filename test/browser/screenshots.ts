/**
 * Takes the screenshots in docs/screenshots/ (`npm run screenshots`): a throwaway Postgres, a bridge, the demo
 * traces from support/seed.ts, and each page at a wide (1440 px) and a narrow (390 px) window in Debian's
 * Chromium. Not a test: the browser tests check the same pages.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestBridge } from '../support/bridge.js';
import { startPostgres } from '../support/pg-server.mjs';
import { launchBrowser } from './support/browser.js';
import { seedDemo, seedLargeTrace } from './support/seed.js';

// SCREENSHOTS_DIR: somewhere else to look at them first.
const OUT = process.env.SCREENSHOTS_DIR ?? new URL('../../docs/screenshots/', import.meta.url).pathname;
const SIZES = [
  { name: 'wide', width: 1440, height: 900 },
  { name: 'narrow', width: 390, height: 844 },
];

const pg = await startPostgres();
try {
  const bridge = await startTestBridge({ databaseUrl: pg.url });
  const port = bridge.httpPort;
  const s = await seedDemo(port);
  await seedLargeTrace(port, 600);
  const browser = await launchBrowser();
  mkdirSync(OUT, { recursive: true });
  const shots: {
    file: string;
    path: string;
    ready: string;
    act?: (p: import('playwright-core').Page) => Promise<void>;
  }[] = [
    { file: 'trace-list', path: '/', ready: '.list a.row' },
    {
      file: 'trace-chat',
      path: `/traces/${s.support[0]}`,
      ready: '.span-row',
      act: async (p) => {
        await p.locator('.span-row', { hasText: 'chat gpt-4o-mini' }).last().click();
        await p.waitForSelector('.chat .role-tool');
      },
    },
    {
      file: 'trace-failure',
      path: `/traces/${s.failing}`,
      ready: '.span-row',
      act: async (p) => {
        await p.keyboard.press('e');
        await p.click('role=tab[name=/Events/]');
        await p.waitForSelector('.event.exception');
      },
    },
    {
      file: 'trace-derived',
      path: `/traces/${s.support[1]}`,
      ready: '.span-row',
      act: async (p) => {
        await p.locator('.span-row', { hasText: 'execute_tool lookup_order' }).click();
        await p.click('role=tab[name="Inputs / Outputs"]');
        await p.waitForSelector('.derived-note');
      },
    },
    // A run's id is its smallest trace id.
    { file: 'run', path: `/runs/${[s.runParent, s.runChild].sort()[0]}`, ready: '.span-row' },
    { file: 'session', path: `/sessions/${s.sessionId}?experiment=support-agent`, ready: '.turn' },
  ];
  for (const size of SIZES) {
    for (const shot of shots) {
      const tab = await browser.page({ width: size.width, height: size.height });
      await tab.page.goto(`http://127.0.0.1:${port}${shot.path}`);
      await tab.page.waitForSelector(shot.ready);
      await shot.act?.(tab.page);
      await tab.page.waitForTimeout(300);
      const file = join(OUT, `${shot.file}-${size.name}.png`);
      await tab.page.screenshot({ path: file });
      if (tab.errors.length) console.error(`${shot.file}: console errors`, tab.errors);
      console.log(file);
      await tab.page.close();
    }
  }
  await browser.close();
  await bridge.stop();
} finally {
  pg.destroy();
}
