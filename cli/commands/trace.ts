/** `tracebridge trace <trace_id> [--json]`: one trace as a span tree with a waterfall, or as JSON. */
import { getTrace, getTraceSpans } from '../../store/queries.js';
import { colorsEnabled, palette, terminalWidth } from '../render/terminal.js';
import { traceJson } from '../render/trace-json.js';
import { renderSpanTree, renderTraceHeader } from '../render/trace-view.js';
import { parseArgs } from './args.js';
import { idPrefixArgument, uniqueTraceId } from './id-prefix.js';
import { type CommandIO, processIO, runViewerCommand } from './viewer-command.js';

export const TRACE_USAGE = `usage: tracebridge trace <trace_id> [--json]
  <trace_id>  the 32 hex characters, or a unique prefix of them (as \`tracebridge traces\` prints)
  --json      print the trace and its span tree as JSON
Reads DATABASE_URL, else the running bridge's wire port (TRACEBRIDGE_PG_PORT), else TRACEBRIDGE_DATA_DIR.`;

export function traceCommand(argv: string[], io: CommandIO = processIO()): Promise<number> {
  return runViewerCommand('trace', TRACE_USAGE, io, () => {
    const args = parseArgs(argv, { values: [], booleans: ['--json'] });
    const prefix = idPrefixArgument(args.positionals, 'which trace? give its id', 'a trace id');
    return {
      configArgs: args.configArgs,
      run: async (db) => {
        const traceId = await uniqueTraceId(db, prefix, io, 'trace', 'no trace with id');
        if (traceId === null) return 1;
        const [trace, spans] = await Promise.all([getTrace(db, traceId), getTraceSpans(db, traceId)]);
        if (!trace) {
          io.stderr.write(`tracebridge trace: no trace with id ${traceId}\n`);
          return 1;
        }
        if (args.booleans.has('--json')) {
          io.stdout.write(`${JSON.stringify(traceJson(trace, spans), null, 2)}\n`);
          return 0;
        }
        const p = palette(colorsEnabled(io.stdout, io.env));
        const width = terminalWidth(io.stdout, io.env);
        const lines = [...renderTraceHeader(trace, p, width), '', ...renderSpanTree(trace, spans, p, width)];
        io.stdout.write(`${lines.join('\n')}\n`);
        return 0;
      },
    };
  });
}
