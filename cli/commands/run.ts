/** `tracebridge run <id>`: one run (traces joined by span links) as a single span tree with a waterfall. */
import { getTraceSpans } from '../../store/queries.js';
import { getRun, getRunLinks, getRunTraceIds, runOfTrace } from '../../store/run-queries.js';
import { renderRunHeader, renderRunTree } from '../render/run-view.js';
import { colorsEnabled, palette, terminalWidth } from '../render/terminal.js';
import { parseArgs } from './args.js';
import { idPrefixArgument, uniqueTraceId } from './id-prefix.js';
import { type CommandIO, processIO, runViewerCommand } from './viewer-command.js';

export const RUN_USAGE = `usage: tracebridge run <id>
  <id>  a run id, or the id of any trace of the run (32 hex characters, or a unique prefix of at least 4,
        as \`tracebridge traces [--runs]\` prints)
Reads DATABASE_URL, else the running bridge's wire port (TRACEBRIDGE_PG_PORT), else TRACEBRIDGE_DATA_DIR.`;

export function runCommand(argv: string[], io: CommandIO = processIO()): Promise<number> {
  return runViewerCommand('run', RUN_USAGE, io, () => {
    const args = parseArgs(argv, { values: [], booleans: [] });
    const prefix = idPrefixArgument(
      args.positionals,
      'which run? give its id or the id of one of its traces',
      'an id',
    );
    return {
      configArgs: args.configArgs,
      run: async (db) => {
        // A run id is the smallest trace id of the run, so ids of runs and of traces are looked up alike.
        const traceId = await uniqueTraceId(db, prefix, io, 'run', 'no run or trace with id');
        if (traceId === null) return 1;
        const runId = await runOfTrace(db, traceId);
        const run = runId === null ? null : await getRun(db, runId);
        if (!run) {
          io.stderr.write(`tracebridge run: no run with id ${traceId}\n`);
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
