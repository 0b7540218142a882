/** Compact human formats for durations, token counts and timestamps in the viewer's columns. */

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 10) return `${ms.toFixed(1).replace(/\.0$/, '')}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(2)}s`;
  if (s < 60) return `${s.toFixed(1)}s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, '0')}s`;
  const totalM = Math.round(totalS / 60);
  return `${Math.floor(totalM / 60)}h${String(totalM % 60).padStart(2, '0')}m`;
}

export function formatCount(n: number | null): string {
  if (n === null) return '';
  if (n < 10_000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** "input→output" when the split is known, else the total; '' when nothing was reported. */
export function formatTokens(input: number | null, output: number | null, total: number | null): string {
  if (input !== null || output !== null) return `${formatCount(input ?? 0)}→${formatCount(output ?? 0)}`;
  return formatCount(total);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local time as YYYY-MM-DD HH:MM:SS (the terminal's time zone, TZ honoured). */
export function formatTime(d: Date): string {
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** Shorter for lists: MM-DD HH:MM:SS within the current year, else YYYY-MM-DD HH:MM. */
export function formatListTime(d: Date, now: Date): string {
  const full = formatTime(d);
  return d.getFullYear() === now.getFullYear() ? full.slice(5) : full.slice(0, 16);
}

/** Nanoseconds since the epoch (a decimal string, as the store returns them) as a Date (millisecond precision). */
export function nsToDate(ns: string): Date {
  return new Date(Number(BigInt(ns) / 1_000_000n));
}

/** Compact single-line JSON for arguments and results; strings are shown without quotes. */
export function compactJson(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
