/**
 * The duration bar of one span on the trace's shared time axis: the trace's first start is the left edge, its last
 * end the right edge, so bars line up into a waterfall.
 */

export const BAR = '█';
export const TRACK = '·';

export interface TimeAxis {
  startNs: bigint;
  endNs: bigint;
}

/** Returns the bar as [before, bar, after] segments (so the bar alone can be coloured), `width` cells in all. */
export function waterfallBar(
  axis: TimeAxis,
  startNs: bigint,
  endNs: bigint,
  width: number,
): [string, string, string] {
  if (width <= 0) return ['', '', ''];
  const span = Number(axis.endNs - axis.startNs);
  const offset = (ns: bigint) => (span <= 0 ? 0 : (Number(ns - axis.startNs) / span) * width);
  const clamp = (x: number) => Math.min(width, Math.max(0, x));
  let from = clamp(Math.floor(offset(startNs)));
  let to = clamp(Math.ceil(offset(endNs > startNs ? endNs : startNs)));
  if (span <= 0) [from, to] = [0, width];
  // Every span gets at least one cell, even an instant one, so nothing disappears from the picture.
  if (to <= from) {
    if (from >= width) from = width - 1;
    to = from + 1;
  }
  return [TRACK.repeat(from), BAR.repeat(to - from), TRACK.repeat(width - to)];
}
