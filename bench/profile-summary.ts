/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, the most
 * inclusive time, and self time by source area (our directories, each node_modules package, node internals).
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile | dir> [top=25]
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderMarkdownTable } from '../cli/render/table.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  location: string;
  area: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** Wall time covered by the profile, and the part spent not idle (ms). */
  totalMs: number;
  busyMs: number;
  /** Percentages are of busy time. */
  self: FunctionTime[];
  inclusive: FunctionTime[];
  areas: { area: string; ms: number; pct: number }[];
}

const ROOT_URL = new URL('..', import.meta.url).href;

function shortUrl(url: string): string {
  if (!url) return '';
  // The bench's own build of the bridge (bench/.tmp/dist/…) and dist/ map back to the source directories.
  if (url.startsWith(ROOT_URL)) return url.slice(ROOT_URL.length).replace(/^(bench\/\.tmp\/)?dist\//, '');
  if (url.startsWith('file://')) {
    const i = url.lastIndexOf('/node_modules/');
    return i >= 0 ? url.slice(i + 1) : url.slice(7);
  }
  return url;
}

/** The area a frame belongs to: `node_modules/<pkg>`, one of our top directories, `node:…`, or a V8 pseudo-frame. */
function areaOf(frame: CallFrame): string {
  const u = shortUrl(frame.url);
  if (!u) return frame.functionName.startsWith('(') ? frame.functionName : '(native / V8 builtins)';
  if (u.startsWith('node:')) return `node:${u.slice(5).split('/')[0]}`;
  const nm = u.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return nm[1]!;
  return u.split('/')[0] ?? u;
}

function frameKey(f: CallFrame): string {
  return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
}

export function summarize(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  let idleUs = 0;
  const self = new Map<string, { frame: CallFrame; us: number }>();
  const inclusive = new Map<string, { frame: CallFrame; us: number }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const key = frameKey(node.callFrame);
    const s = self.get(key) ?? { frame: node.callFrame, us: 0 };
    s.us += us;
    self.set(key, s);
    const area = areaOf(node.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + us);
    // Inclusive: once per distinct function on the stack (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (f.functionName === '(root)') continue;
      const k = frameKey(f);
      if (seen.has(k)) continue;
      seen.add(k);
      const e = inclusive.get(k) ?? { frame: f, us: 0 };
      e.us += us;
      inclusive.set(k, e);
    }
  }
  const busyUs = totalUs - idleUs;
  const rows = (m: Map<string, { frame: CallFrame; us: number }>) =>
    [...m.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(({ frame, us }) => ({
        name: frame.functionName || '(anonymous)',
        location: frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '',
        area: areaOf(frame),
        ms: us / 1000,
        pct: busyUs ? (100 * us) / busyUs : 0,
      }));
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    self: rows(self),
    inclusive: rows(inclusive),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, ms: us / 1000, pct: busyUs ? (100 * us) / busyUs : 0 })),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (n: number) => `${n.toFixed(1)}%`;
  const where = (f: FunctionTime) => f.location || f.area;
  return [
    `profile: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.busyMs / 1000).toFixed(1)} s busy ` +
      `(${pct((100 * s.busyMs) / (s.totalMs || 1))} of one core); percentages are of busy time`,
    '',
    renderMarkdownTable(s.self, [
      { header: 'self %', align: 'right', value: (f) => pct(f.pct) },
      { header: 'self ms', align: 'right', value: (f) => f.ms.toFixed(0) },
      { header: 'function', value: (f) => `\`${f.name}\`` },
      { header: 'where', value: where },
    ]),
    '',
    renderMarkdownTable(s.inclusive, [
      { header: 'inclusive %', align: 'right', value: (f) => pct(f.pct) },
      { header: 'function', value: (f) => `\`${f.name}\`` },
      { header: 'where', value: where },
    ]),
    '',
    renderMarkdownTable(s.areas.slice(0, 15), [
      { header: 'self % by area', align: 'right', value: (a) => pct(a.pct) },
      { header: 'area', value: (a) => a.area },
    ]),
  ].join('\n');
}

/** The main thread's .cpuprofile in a directory — the largest (a loader worker writes its own) — or the file itself. */
export function findProfile(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(path, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!files[0]) throw new Error(`no .cpuprofile in ${path}`);
  return files[0];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, strict: true });
  const [target, top] = positionals;
  if (!target) {
    console.error('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile | dir> [top]');
    process.exit(2);
  }
  const file = findProfile(target);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(`${file}\n`);
  console.log(formatSummary(summarize(profile, Number(top ?? 25))));
}
