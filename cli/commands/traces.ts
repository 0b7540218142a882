/** `tracebridge traces`: a table of recent traces, newest first. */
import {
  experimentExists,
  listTraces,
  ROOT_OVERDUE_MINUTES,
  type TraceListRow,
  type TraceState,
} from '../../store/queries.js';
import { listRuns, type RunRow } from '../../store/run-queries.js';
import { formatCount, formatDuration, formatListTime, nsToDate } from '../render/format.js';
import { type Column, renderTable } from '../render/table.js';
import { colorsEnabled, type Palette, palette, stateStyle, terminalWidth } from '../render/terminal.js';
import { oneLine, truncate } from '../render/text.js';
import { parseArgs, UsageError } from './args.js';
import { type CommandIO, processIO, runViewerCommand } from './viewer-command.js';

export const TRACES_USAGE = `usage: tracebridge traces [--runs] [--errors] [--experiment NAME] [--since 1h] [--state OK|ERROR|IN_PROGRESS] [--limit N]
  --runs      list runs (traces joined by span links) instead of traces; \`tracebridge run <id>\` shows one
  --errors    only traces (runs) with at least one failed span, wherever it is in the tree
  --since     30s, 15m, 1h, 2d, 1w, or an ISO date/time
  --limit     how many traces (default 20, at most 1000)
Reads DATABASE_URL, else the running bridge's wire port (TRACEBRIDGE_PG_PORT), else TRACEBRIDGE_DATA_DIR.`;

/** How many characters of a trace id the table shows; \`tracebridge trace\` accepts such a prefix. */
export const SHORT_ID = 12;

const STATES: TraceState[] = ['OK', 'ERROR', 'IN_PROGRESS'];

/** Shown instead of IN_PROGRESS for a trace whose root span is overdue (store/queries.ts ROOT_OVERDUE_MINUTES). */
const NO_ROOT = 'NO ROOT';
const NO_ROOT_NOTE = `${NO_ROOT}: still no root span ${ROOT_OVERDUE_MINUTES} min after the trace's last span arrived; the client most likely dropped it (stored state IN_PROGRESS; README, MLflow)`;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseSince(raw: string, now: Date): Date {
  const rel = /^(\d+)\s*([smhdw])$/.exec(raw.trim());
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2]!]!);
  const abs = Date.parse(raw);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw.trim()) && !Number.isNaN(abs)) return new Date(abs);
  throw new UsageError(`--since must look like 30m, 1h, 2d or an ISO date, got ${JSON.stringify(raw)}`);
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 1000)
    throw new UsageError('--limit must be an integer from 1 to 1000');
  return n;
}

function parseState(raw: string | undefined): TraceState | null {
  if (raw === undefined) return null;
  const state = raw.toUpperCase() as TraceState;
  if (!STATES.includes(state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
  return state;
}

export function tracesCommand(argv: string[], io: CommandIO = processIO()): Promise<number> {
  return runViewerCommand('traces', TRACES_USAGE, io, () => {
    const args = parseArgs(argv, {
      values: ['--experiment', '--since', '--state', '--limit'],
      booleans: ['--runs', '--errors'],
    });
    if (args.positionals.length)
      throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
    const since = args.values.get('--since');
    const filter = {
      experiment: args.values.get('--experiment') ?? null,
      since: since === undefined ? null : parseSince(since, new Date()),
      state: parseState(args.values.get('--state')),
      limit: parseLimit(args.values.get('--limit')),
      errors: args.booleans.has('--errors'),
    };
    const runs = args.booleans.has('--runs');
    return {
      configArgs: args.configArgs,
      run: async (db) => {
        const rows = runs ? await listRuns(db, filter) : await listTraces(db, filter);
        if (rows.length === 0) {
          const why =
            filter.experiment !== null && !(await experimentExists(db, filter.experiment))
              ? ` (there is no experiment named ${JSON.stringify(filter.experiment)})`
              : '';
          io.stdout.write(`no ${runs ? 'runs' : 'traces'} found${why}\n`);
          return 0;
        }
        const p = palette(colorsEnabled(io.stdout, io.env));
        const width = terminalWidth(io.stdout, io.env);
        if (runs) {
          const lines = renderTable(
            rows as RunRow[],
            runColumns(p, filter.experiment !== null),
            width,
            p.bold,
          );
          io.stdout.write(`${lines.join('\n')}\n`);
          return 0;
        }
        const now = new Date();
        const columns: Column<TraceListRow>[] = [
          { header: 'TIME', value: (r) => (r.startNs ? formatListTime(nsToDate(r.startNs), now) : '') },
          { header: 'TRACE', value: (r) => r.traceId.slice(0, SHORT_ID) },
          // Filtered to one experiment, its name would only repeat on every row.
          ...(filter.experiment === null
            ? [
                {
                  header: 'EXPERIMENT',
                  value: (r: TraceListRow) => oneLine(r.experimentName),
                  min: 6,
                  prefer: 12,
                  max: 20,
                },
              ]
            : []),
          { header: 'NAME', value: (r) => oneLine(r.name ?? ''), min: 8, prefer: 16, max: 32 },
          {
            header: 'STATE',
            value: (r) => (r.rootOverdue ? NO_ROOT : r.state),
            style: (r, t) => stateStyle(p, r.rootOverdue ? 'ERROR' : r.state)(t),
          },
          { header: 'DURATION', value: (r) => formatDuration(r.durationMs), align: 'right' },
          { header: 'SPANS', value: (r) => String(r.spanCount), align: 'right' },
          failedColumn(p),
          { header: 'TOKENS', value: (r) => formatCount(r.totalTokens), align: 'right' },
          { header: 'REQUEST', value: (r) => oneLine(r.requestPreview ?? ''), min: 0, prefer: 20, max: 200 },
        ];
        const lines = renderTable(rows as TraceListRow[], columns, width, p.bold);
        if ((rows as TraceListRow[]).some((r) => r.rootOverdue))
          lines.push('', p.dim(truncate(NO_ROOT_NOTE, width)));
        io.stdout.write(`${lines.join('\n')}\n`);
        return 0;
      },
    };
  });
}

/** Failed spans (status ERROR anywhere in the tree), blank when none: the root's state alone hides them. */
function failedColumn<R extends { errorCount: number }>(p: Palette): Column<R> {
  return {
    header: 'FAILED',
    value: (r) => (r.errorCount > 0 ? formatCount(r.errorCount) : ''),
    align: 'right',
    style: (_r, t) => p.red(t),
  };
}

/** The table of `traces --runs`. */
function runColumns(p: Palette, oneExperiment: boolean): Column<RunRow>[] {
  const now = new Date();
  return [
    { header: 'TIME', value: (r) => (r.startNs ? formatListTime(nsToDate(r.startNs), now) : '') },
    { header: 'RUN', value: (r) => r.runId.slice(0, SHORT_ID) },
    ...(oneExperiment
      ? []
      : [
          {
            header: 'EXPERIMENT',
            value: (r: RunRow) => oneLine(r.experimentName),
            min: 6,
            prefer: 12,
            max: 20,
          },
        ]),
    { header: 'NAME', value: (r) => oneLine(r.name ?? ''), min: 8, prefer: 16, max: 32 },
    { header: 'STATE', value: (r) => r.state, style: (r, t) => stateStyle(p, r.state)(t) },
    { header: 'DURATION', value: (r) => formatDuration(r.durationMs), align: 'right' },
    { header: 'TRACES', value: (r) => String(r.traceCount), align: 'right' },
    { header: 'SPANS', value: (r) => String(r.spanCount), align: 'right' },
    failedColumn(p),
    { header: 'TOKENS', value: (r) => formatCount(r.totalTokens), align: 'right' },
    { header: 'REQUEST', value: (r) => oneLine(r.requestPreview ?? ''), min: 0, prefer: 20, max: 200 },
  ];
}
