/** How numbers, times and ids read in the explorer: short, aligned, the same on every page. */

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(n: number | null | undefined): string {
  if (n == null) return '–';
  return numberFormat.format(n);
}

/** 1234 → "1.2k", 12_345_678 → "12.3M": token counts in narrow columns. */
export function formatCompact(n: number | null | undefined): string {
  if (n == null) return '–';
  if (Math.abs(n) < 1000) return String(n);
  if (Math.abs(n) < 1_000_000) return `${trim(n / 1000)}k`;
  return `${trim(n / 1_000_000)}M`;
}

function trim(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, '');
}

/** Milliseconds as a person reads them: 0.4 ms, 12 ms, 1.24 s, 3m 05s, 2h 01m. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const dateFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
  timeZoneName: 'short',
});

/** Today's times as 14:03:07, older ones with their date. */
export function formatTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay ? timeFormat.format(d) : `${dateFormat.format(d)} ${timeFormat.format(d)}`;
}

export function formatFullTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '–' : fullFormat.format(d);
}

/** "3 min ago" for the list's hover title and the session page. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function shortId(id: string | null | undefined, n = 8): string {
  return id ? id.slice(0, n) : '–';
}

/** One line of untrusted text for a table cell: whitespace collapsed, cut at `max` characters. */
export function oneLine(text: string | null | undefined, max = 240): string {
  if (!text) return '';
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A session's page: session ids are per experiment, so the link names the experiment too. */
export function sessionPath(sessionId: string, experimentName: string): string {
  return `/sessions/${encodeURIComponent(sessionId)}?experiment=${encodeURIComponent(experimentName)}`;
}
