/**
 * A plain-text table that fits a width: columns take their natural width (up to `max`); when the row is too wide,
 * shrinkable columns give way, widest first, down to their `prefer` width, then down to their `min`, and if that is
 * still not enough the rightmost columns are left out.
 */
import { displayWidth, fit } from './text.js';

export interface Column<R> {
  header: string;
  value: (row: R) => string;
  align?: 'left' | 'right';
  /** Shrinkable down to this many cells; columns without it keep their natural width. */
  min?: number;
  /** Shrink below this only when every shrinkable column is down to it (defaults to min). */
  prefer?: number;
  max?: number;
  /** Colours the already fitted cell text. */
  style?: (row: R, text: string) => string;
}

const GAP = '  ';

export function renderTable<R>(
  rows: R[],
  columns: Column<R>[],
  width: number,
  headerStyle: (s: string) => string = (s) => s,
): string[] {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) =>
    Math.min(
      c.max ?? Number.POSITIVE_INFINITY,
      Math.max(displayWidth(c.header), ...cells.map((r) => displayWidth(r[i]!))),
    ),
  );
  const total = (n: number) => widths.slice(0, n).reduce((a, b) => a + b, 0) + GAP.length * (n - 1);
  let shown = columns.length;
  // The widest column still above its floor, or -1.
  const widestAbove = (floor: (c: Column<R>) => number | undefined): number => {
    let widest = -1;
    for (let i = 0; i < shown; i++) {
      const f = floor(columns[i]!);
      if (f !== undefined && widths[i]! > f && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    }
    return widest;
  };
  while (total(shown) > width) {
    let i = widestAbove((c) => (c.min === undefined ? undefined : Math.max(c.min, c.prefer ?? c.min)));
    if (i < 0) i = widestAbove((c) => c.min);
    if (i >= 0) widths[i]! -= 1;
    else if (shown > 1) shown -= 1;
    else break;
  }
  const line = (texts: string[], style: (text: string, i: number) => string) =>
    texts
      .slice(0, shown)
      .map((t, i) => {
        const fitted = fit(t, widths[i]!, columns[i]!.align);
        const trimmed = fitted.trimEnd();
        // Colour the text, not the padding, so underlines and backgrounds do not run on.
        const lead = fitted.length - fitted.trimStart().length;
        const core = trimmed.slice(lead);
        return fitted.slice(0, lead) + style(core, i) + fitted.slice(trimmed.length);
      })
      .join(GAP)
      .trimEnd();
  return [
    line(
      columns.map((c) => c.header),
      (t) => headerStyle(t),
    ),
    ...cells.map((texts, r) => line(texts, (t, i) => columns[i]!.style?.(rows[r]!, t) ?? t)),
  ];
}

/**
 * The same column specs as a Markdown table (the bench's report): every cell whole, `|` escaped, right-aligned
 * columns marked `---:`.
 */
export function renderMarkdownTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const line = (texts: string[]) => `| ${texts.map(cell).join(' | ')} |`;
  return [
    line(columns.map((c) => c.header)),
    `|${columns.map((c) => (c.align === 'right' ? '---:|' : '---|')).join('')}`,
    ...rows.map((r) => line(columns.map((c) => c.value(r)))),
  ].join('\n');
}
