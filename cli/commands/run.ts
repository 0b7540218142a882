/** `tracebridge run <id>`: one run (traces joined by span links) as a single span tree with a waterfall. */
import { findTraceIds, getTraceSpans } from '../../store/queries.js';
import { getRun, getRunLinks, getRunTraceIds, runOfTrace } from '../../store/run-queries.js';
import { renderRunHeader, renderRunTree } from '../render/run-view.js';
import { colorsEnabled, palette, terminalWidth } from '../render/terminal.js';
import { parseArgs, UsageError } from './args.js';
import { type CommandIO, processIO, runViewerCommand } from './viewer-command.js';

export const RUN_USAGE = `usage: tracebridge run <id>
  <id>  a run id, or the id of any trace of the run (32 hex characters, or a unique prefix of at least 4,
        as \`tracebridge traces [--runs]\` prints)
Reads DATABASE_URL, else the running bridge's wire port (TRACEBRIDGE_PG_PORT), else TRACEBRIDGE_DATA_DIR.`;

export function runCommand(argv: string[], io: CommandIO = processIO()): Promise<number> {
  return runViewerCommand('run', RUN_USAGE, io, () => {
    const args = parseArgs(argv, { values: [], booleans: [] });
    const [raw, extra] = args.positionals;
    if (raw === undefined) throw new UsageError('which run? give its id or the id of one of its traces');
    if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
    const prefix = raw.trim().toLowerCase();
    if (!/^[0-9a-f]{4,32}$/.test(prefix)) {
      throw new UsageError(
        `an id is 32 hex characters (or a prefix of at least 4), got ${JSON.stringify(raw)}`,
      );
    }
    return {
      configArgs: args.configArgs,
      run: async (db) => {
        // A run id is the smallest trace id of the run, so ids of runs and of traces are looked up alike.
        const ids = await findTraceIds(db, prefix);
        if (ids.length !== 1) {
          io.stderr.write(
            ids.length === 0
              ? `tracebridge run: no run or trace with id ${prefix}\n`
              : `tracebridge run: ${prefix} is ambiguous (${ids.join(', ')}, …): give more characters\n`,
          );
          return 1;
        }
        const runId = await runOfTrace(db, ids[0]!);
        const run = runId === null ? null : await getRun(db, runId);
        if (!run) {
          io.stderr.write(`tracebridge run: no run with id ${ids[0]}\n`);
          return 1;
        }
        const traceIds = await getRunTraceIds(db, run.runId);
        const traces = [];
        for (const traceId of traceIds) traces.push({ traceId, spans: await getTraceSpans(db, traceId) });
        const links = await getRunLinks(db, run.runId);
        const p = palette(colorsEnabled(io.stdout, io.env));
        const width = terminalWidth(io.stdout, io.env);
        const lines = [...renderRunHeader(run, p, width), '', ...renderRunTree(run, traces, links, p, width)];
        io.stdout.write(`${lines.join('\n')}\n`);
        return 0;
      },
    };
  });
}
