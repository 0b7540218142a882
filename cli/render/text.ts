/**
 * Fitting text into terminal columns. Widths are counted in terminal cells by `string-width` (Unicode East Asian
 * Width and emoji, graphemes as one unit, combining marks and joiners none), so a truncated line never wraps.
 */
import stringWidth from 'string-width';

const ELLIPSIS = '…';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Terminal cells `s` takes (ANSI colour codes take none). */
export function displayWidth(s: string): number {
  return stringWidth(s);
}

/** One line of text: control characters and runs of whitespace (newlines included) become one space. */
export function oneLine(s: string): string {
  return s.replace(/[\s\x00-\x1f\x7f]+/g, ' ').trim();
}

/** Cuts s to at most `width` cells, ending with … when something was cut. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  // Cut between graphemes: an emoji sequence or a letter with its accents is kept or dropped whole.
  for (const { segment } of graphemes.segment(s)) {
    const cw = displayWidth(segment);
    if (w + cw > width - 1) break;
    out += segment;
    w += cw;
  }
  return out + ELLIPSIS;
}

/** Truncates, then pads with spaces to exactly `width` cells. */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const t = truncate(s, width);
  const pad = ' '.repeat(Math.max(0, width - displayWidth(t)));
  return align === 'left' ? t + pad : pad + t;
}

/** The visible width of a line that may hold ANSI colour codes (for tests and assertions). */
export function visibleWidth(s: string): number {
  return stringWidth(s);
}
