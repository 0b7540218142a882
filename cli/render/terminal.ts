/**
 * Output settings for the viewer: the width to fit, and whether to colour. Colours only go to a terminal, never
 * into a pipe or file, and NO_COLOR (https://no-color.org) always turns them off; FORCE_COLOR turns them on for a
 * pager such as `less -R`.
 */
export interface OutputStream {
  isTTY?: boolean;
  columns?: number;
}

export const DEFAULT_WIDTH = 120;
const MIN_WIDTH = 40;

/** The terminal's width; when writing to a pipe, $COLUMNS if set (as shells export it), else 120. */
export function terminalWidth(stream: OutputStream, env: NodeJS.ProcessEnv): number {
  const fromEnv = /^\d+$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : undefined;
  const cols = stream.isTTY ? stream.columns : fromEnv;
  return cols && cols > 0 ? Math.max(MIN_WIDTH, cols) : DEFAULT_WIDTH;
}

export function colorsEnabled(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export type Style = (s: string) => string;

export interface Palette {
  bold: Style;
  dim: Style;
  red: Style;
  green: Style;
  yellow: Style;
  blue: Style;
  magenta: Style;
  cyan: Style;
}

const sgr =
  (open: number, close: number): Style =>
  (s) =>
    s === '' ? s : `\x1b[${open}m${s}\x1b[${close}m`;

const plain: Style = (s) => s;

export function palette(enabled: boolean): Palette {
  if (!enabled) {
    return {
      bold: plain,
      dim: plain,
      red: plain,
      green: plain,
      yellow: plain,
      blue: plain,
      magenta: plain,
      cyan: plain,
    };
  }
  return {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    blue: sgr(34, 39),
    magenta: sgr(35, 39),
    cyan: sgr(36, 39),
  };
}

/** The colour of a span type, so the same kind of work looks the same in the tree and on the bars. */
export function typeStyle(p: Palette, spanType: string): Style {
  switch (spanType) {
    case 'AGENT':
    case 'WORKFLOW':
      return p.magenta;
    case 'LLM':
    case 'CHAT_MODEL':
    case 'EMBEDDING':
    case 'RERANKER':
      return p.cyan;
    case 'TOOL':
      return p.yellow;
    default:
      return p.blue;
  }
}

export function stateStyle(p: Palette, state: string): Style {
  if (state === 'ERROR') return p.red;
  if (state === 'OK') return p.green;
  return p.yellow;
}
