/**
 * The viewer's runs and failures as users run them: `tracebridge traces --errors`, `traces --runs [--errors]` and
 * `tracebridge run <id>` as real processes, against a Postgres filled through the bridge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningBridge } from '../../cli/bridge.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { agentTrace, cli, lines, linkedRun, okTrace, send } from '../support/viewer.js';

describe('tracebridge traces --runs / --errors and run against DATABASE_URL', () => {
  let tdb: TestDatabase;
  let bridge: RunningBridge;
  let failing: string;
  let run: { first: string; second: string };
  let env: Record<string, string>;
  before(async () => {
    tdb = await freshDatabase();
    bridge = await startTestBridge({ databaseUrl: tdb.url });
    const a = agentTrace('viewer-agent', 10 * 60_000);
    const b = okTrace('viewer-batch', 2 * 86_400_000);
    const c = linkedRun('viewer-runs');
    await send(bridge.httpPort, a.groups);
    await send(bridge.httpPort, b.groups);
    await send(bridge.httpPort, c.groups);
    failing = a.traceId;
    run = c;
    env = { DATABASE_URL: tdb.url };
  });
  after(async () => {
    await bridge?.stop();
    await tdb?.drop();
  });

  it('traces --errors: traces with a failed span anywhere, also under an OK root', async () => {
    const r = await cli(['traces', '--errors'], env);
    assert.equal(r.code, 0, r.stderr);
    const rows = lines(r.stdout).slice(1);
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, new RegExp(`${failing.slice(0, 12)}.*ERROR.*\\s2\\s`));
    assert.match(
      rows[1]!,
      new RegExp(`${run.second.slice(0, 12)}.*process message\\s+OK\\s+60ms\\s+2\\s+1\\s*$`),
    );
  });

  it('traces --runs [--errors]: runs with their trace, span and failed-span counts', async () => {
    const r = await cli(['traces', '--runs'], { ...env, COLUMNS: '160' });
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.match(
      out[0]!,
      /^TIME\s+RUN\s+EXPERIMENT\s+NAME\s+STATE\s+DURATION\s+TRACES\s+SPANS\s+FAILED\s+TOKENS\s+REQUEST$/,
    );
    assert.equal(out.length, 4, 'three runs: two runs of one and the linked pair');
    const runId = [run.first, run.second].sort()[0]!;
    assert.match(
      out[3]!,
      new RegExp(`${runId.slice(0, 12)}\\s+viewer-runs\\s+plan trip\\s+OK\\s+100ms\\s+2\\s+4\\s+1\\s*$`),
    );
    const errors = await cli(['traces', '--runs', '--errors', '--experiment', 'viewer-runs'], env);
    assert.equal(errors.code, 0, errors.stderr);
    assert.equal(lines(errors.stdout).length, 2);
    const none = await cli(['traces', '--runs', '--since', '1m'], env);
    assert.equal(none.stdout, 'no runs found\n');
  });

  it('run <id>: the run as one tree, the linked trace under the span it links from', async () => {
    // Any trace of the run names it.
    const r = await cli(['run', run.second.slice(0, 12)], env);
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.match(out[0]!, /^plan trip {2}OK {2}100ms {2}2 traces {2}4 spans {2}1 failed span$/);
    const runId = [run.first, run.second].sort()[0]!;
    assert.match(out[1]!, new RegExp(`^run ${runId} {2}experiment viewer-runs {2}started `));
    const at = (re: RegExp) => {
      const i = out.findIndex((l) => re.test(l));
      assert.ok(i >= 0, `a line matching ${re} in:\n${r.stdout}`);
      return i;
    };
    // The trace of a linked trace names its run.
    const other = run.first === runId ? run.second : run.first;
    const second = await cli(['trace', other], env);
    assert.match(
      lines(second.stdout)[1]!,
      new RegExp(`^trace ${other} {2}run ${runId.slice(0, 12)} {2}experiment`),
    );
    const json = await cli(['trace', other, '--json'], env);
    assert.equal(JSON.parse(json.stdout).trace.run_id, runId);
    const root = at(new RegExp(`^UNKNOWN plan trip \\[trace ${run.first.slice(0, 12)}\\] `));
    const publish = at(/^└─ UNKNOWN publish task /);
    const processing = at(new RegExp(`^ {3}└─ \\S+ process message \\[trace ${run.second.slice(0, 12)}\\] `));
    const tool = at(/^ {6}└─ TOOL execute_tool book /);
    const error = at(/error: sold out$/);
    assert.deepEqual(
      [root, publish, processing, tool, error],
      [root, publish, processing, tool, error].sort((a, b) => a - b),
    );
    const missing = await cli(['run', 'abcd'.repeat(8)], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no run or trace with id/);
  });
});
