import { readFileSync } from 'node:fs';
import { launchBrowser } from './support/browser.js';

const d = JSON.parse(readFileSync('/tmp/i18ui-dev.log', 'utf8'));
const b = await launchBrowser();
const t = await b.page();
const url = `http://127.0.0.1:47318/traces/${d.big}`;
await t.page.goto(url);
await t.page.waitForSelector('.span-row');
const cdp = await t.page.context().newCDPSession(t.page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
await t.page.goto(url);
await t.page.waitForSelector('.span-row');
await t.page.waitForTimeout(300);
const { profile } = (await cdp.send('Profiler.stop')) as any;
const self = new Map<string, number>();
const dt = profile.timeDeltas as number[];
const byId = new Map(profile.nodes.map((n: any) => [n.id, n]));
const counts = new Map<number, number>();
profile.samples.forEach((s: number, i: number) => counts.set(s, (counts.get(s) ?? 0) + (dt[i] ?? 0)));
for (const [id, us] of counts) {
  const n: any = byId.get(id);
  const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  self.set(k, (self.get(k) ?? 0) + us);
}
console.log(
  [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([k, v]) => `${(v / 1000).toFixed(1)}ms ${k}`)
    .join('\n'),
);
await b.close();
