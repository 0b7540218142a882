/**
 * The terminal viewer as users run it: `tracebridge traces` and `tracebridge trace <id> [--json]` as real
 * processes, against a Postgres filled through the bridge, and in embedded mode both while the bridge runs (its
 * server) and after it stopped (the command starts the server for itself).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningBridge } from '../../cli/bridge.js';
import { visibleWidth } from '../../cli/render/text.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../support/pg-server.mjs';
import { spawnBridge, waitForLog } from '../support/process.js';
import { ANSI, agentTrace, cli, lines, okTrace, REPLY, send, USER_MESSAGE } from '../support/viewer.js';

describe('tracebridge traces / trace against DATABASE_URL', () => {
  let tdb: TestDatabase;
  let bridge: RunningBridge;
  let failing: string;
  let older: string;
  let env: Record<string, string>;
  before(async () => {
    tdb = await freshDatabase();
    bridge = await startTestBridge({ databaseUrl: tdb.url });
    const a = agentTrace('viewer-agent', 10 * 60_000);
    const b = okTrace('viewer-batch', 2 * 86_400_000);
    await send(bridge.httpPort, a.groups);
    await send(bridge.httpPort, b.groups);
    failing = a.traceId;
    older = b.traceId;
    env = { DATABASE_URL: tdb.url };
  });
  after(async () => {
    await bridge?.stop();
    await tdb?.drop();
  });

  it('traces: a table of recent traces, newest first, no colours when not a terminal', async () => {
    const r = await cli(['traces'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, ANSI);
    const out = lines(r.stdout);
    assert.match(
      out[0]!,
      /^TIME\s+TRACE\s+EXPERIMENT\s+NAME\s+STATE\s+DURATION\s+SPANS\s+FAILED\s+TOKENS\s+REQUEST$/,
    );
    assert.equal(out.length, 3);
    const [first, second] = [out[1]!, out[2]!];
    assert.ok(first.includes(failing.slice(0, 12)) && !first.includes(failing), 'short trace id');
    assert.match(first, /^(\d{2}-\d{2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}) {2}/);
    // Two failed spans: the tool and the agent.
    assert.match(first, /viewer-agent\s+invoke_agent\S* .*ERROR\s+500ms\s+3\s+2\s+59\s+What is the/);
    assert.match(
      second,
      new RegExp(`${older.slice(0, 12)}\\s+viewer-batch\\s+nightly batch\\s+OK\\s+2\\.50s\\s+1\\s*$`),
    );
    for (const line of out) assert.ok(visibleWidth(line) <= 120, `fits 120 columns: ${line}`);

    // With room, nothing is cut.
    const wide = await cli(['traces'], { ...env, COLUMNS: '200' });
    assert.match(
      lines(wide.stdout)[1]!,
      /viewer-agent\s+invoke_agent weather\s+ERROR\s+500ms\s+3\s+2\s+59\s+What is the weather in Paris\?$/,
    );
  });

  it('traces: --experiment, --state, --since and --limit filter', async () => {
    const only = async (args: string[]) => {
      const r = await cli(['traces', ...args], env);
      assert.equal(r.code, 0, r.stderr);
      return lines(r.stdout).slice(1);
    };
    const byExperiment = await only(['--experiment', 'viewer-batch']);
    assert.equal(byExperiment.length, 1);
    assert.ok(!byExperiment[0]!.includes('viewer-batch'), 'no EXPERIMENT column when filtered to one');
    assert.ok(byExperiment[0]!.includes(older.slice(0, 12)));
    const byState = await only(['--state', 'error']);
    assert.equal(byState.length, 1);
    assert.ok(byState[0]!.includes(failing.slice(0, 12)));
    const recent = await only(['--since', '1h']);
    assert.equal(recent.length, 1);
    assert.ok(recent[0]!.includes(failing.slice(0, 12)));
    const limited = await only(['--limit=1']);
    assert.equal(limited.length, 1);
    assert.ok(limited[0]!.includes(failing.slice(0, 12)));

    const none = await cli(['traces', '--experiment', 'nope'], env);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, 'no traces found (there is no experiment named "nope")\n');
  });

  it('traces and trace: a narrow terminal truncates every line to its width', async () => {
    const r = await cli(['traces'], { ...env, COLUMNS: '70' });
    assert.equal(r.code, 0, r.stderr);
    for (const line of lines(r.stdout)) assert.ok(visibleWidth(line) <= 70, `fits 70 columns: ${line}`);
    assert.match(r.stdout, /invoke_/);
    for (const columns of [40, 60, 90]) {
      const t = await cli(['trace', failing], { ...env, COLUMNS: String(columns), FORCE_COLOR: '1' });
      assert.equal(t.code, 0, t.stderr);
      for (const line of lines(t.stdout))
        assert.ok(visibleWidth(line) <= columns, `fits ${columns}: ${line}`);
      assert.match(t.stdout, /TOOL/);
    }
  });

  it('traces: bad options exit 2 naming the option', async () => {
    for (const [args, message] of [
      [['--since', 'yesterday'], /--since/],
      [['--state', 'BROKEN'], /--state/],
      [['--limit', '0'], /--limit/],
      [['--bogus', '1'], /unknown option --bogus/],
    ] as const) {
      const r = await cli(['traces', ...args], env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: tracebridge traces/);
    }
  });

  it('trace <id>: the span tree with types, indentation, waterfall, status, tokens and content', async () => {
    const r = await cli(['trace', failing], env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, ANSI);
    const out = lines(r.stdout);
    for (const line of out) assert.ok(visibleWidth(line) <= 120, `fits 120 columns: ${line}`);
    assert.match(
      out[0]!,
      /^invoke_agent weather {2}ERROR {2}500ms {2}3 spans {2}59 tokens \(42 in, 17 out\) {2}2 failed spans$/,
    );
    assert.match(out[1]!, new RegExp(`^trace ${failing} {2}experiment viewer-agent {2}started \\d{4}-`));
    assert.equal(out[2], `request:  ${USER_MESSAGE}`);

    const at = (re: RegExp) => {
      const i = out.findIndex((l) => re.test(l));
      assert.ok(i >= 0, `a line matching ${re} in:\n${r.stdout}`);
      return i;
    };
    const header = at(/^SPAN\s+0\s+500ms DURATION STATUS TOKENS$/);
    const agent = at(/^AGENT invoke_agent weather /);
    const chat = at(/^└─ CHAT_MODEL chat qwen-plus /);
    const user = at(/^ {3}│ {4}user: What is the weather in Paris\?$/);
    const reply = at(/^ {3}│ {4}reply: Let me check the weather service\.$/);
    const tools = at(/^ {3}│ {4}tools: get_weather$/);
    const tool = at(/^ {3}└─ TOOL execute_tool get_weather /);
    const args = at(/^ {11}args: \{"city":"Paris"\}$/);
    const result = at(/^ {11}result: \{"error":"unavailable"\}$/);
    const error = at(/^ {11}error: ServiceError: weather service unavailable$/);
    assert.deepEqual(
      [header, agent, chat, user, reply, tools, tool, args, result, error],
      [header, agent, chat, user, reply, tools, tool, args, result, error].slice().sort((a, b) => a - b),
      'tree order',
    );
    assert.match(out[agent]!, /\s500ms ERROR$/);
    assert.match(out[chat]!, /\s300ms UNSET\s+42→17$/);
    assert.match(out[tool]!, /\s100ms ERROR$/);
    assert.match(out[agent + 1]!, /^│ {4}error: tool failed$/);

    // The waterfall: bars on one axis, so a child's bar starts later and is shorter than its parent's.
    const bar = (line: string) => {
      const from = line.indexOf('█');
      return { from, len: line.lastIndexOf('█') - from + 1 };
    };
    const [a, c, t] = [bar(out[agent]!), bar(out[chat]!), bar(out[tool]!)];
    assert.ok(a.from >= 0 && c.from > a.from && t.from > c.from, 'bars start in time order');
    assert.ok(a.len > c.len && c.len > t.len, 'bar lengths follow durations');
    assert.ok(Math.abs(a.len / c.len - 500 / 300) < 0.2, 'bars are to scale');
  });

  it('trace <prefix>: a unique prefix (as `traces` prints) is enough', async () => {
    const r = await cli(['trace', failing.slice(0, 12).toUpperCase()], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`trace ${failing}`));
  });

  it('trace: unknown and malformed ids', async () => {
    const missing = await cli(['trace', '0'.repeat(32)], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no trace with id 0{32}/);
    const bad = await cli(['trace', 'not-an-id'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /32 hex characters/);
  });

  it('trace --json: the trace and its span tree for scripts', async () => {
    const r = await cli(['trace', failing, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.trace.trace_id, failing);
    assert.equal(doc.trace.experiment_name, 'viewer-agent');
    assert.equal(doc.trace.state, 'ERROR');
    assert.equal(doc.trace.span_count, 3);
    assert.equal(doc.trace.total_tokens, 59);
    assert.equal(doc.spans.length, 1);
    const [agent] = doc.spans;
    assert.equal(agent.span_type, 'AGENT');
    assert.equal(agent.name, 'invoke_agent weather');
    assert.equal(agent.children.length, 1);
    const [chat] = agent.children;
    assert.equal(chat.span_type, 'CHAT_MODEL');
    assert.equal(chat.last_user_message, USER_MESSAGE);
    assert.equal(chat.reply, REPLY);
    assert.deepEqual(chat.requested_tools, ['get_weather']);
    assert.equal(chat.input_tokens, 42);
    assert.equal(chat.duration_ms, 300);
    const [tool] = chat.children;
    assert.equal(tool.span_type, 'TOOL');
    assert.equal(tool.status, 'ERROR');
    assert.equal(tool.status_message, 'weather service unavailable');
    assert.deepEqual(tool.inputs, { city: 'Paris' });
    assert.deepEqual(tool.outputs, { error: 'unavailable' });
    assert.deepEqual(tool.children, []);
    assert.match(tool.start_time_unix_nano, /^\d{19}$/);
  });

  it('colours: FORCE_COLOR turns them on, NO_COLOR always off', async () => {
    const forced = await cli(['trace', failing], { ...env, FORCE_COLOR: '1' });
    assert.match(forced.stdout, ANSI);
    assert.match(forced.stdout, /\x1b\[31mERROR\x1b\[39m/);
    for (const line of lines(forced.stdout)) assert.ok(visibleWidth(line) <= 120);
    const table = await cli(['traces'], { ...env, FORCE_COLOR: '1' });
    assert.match(table.stdout, ANSI);
    const off = await cli(['trace', failing], { ...env, FORCE_COLOR: '1', NO_COLOR: '1' });
    assert.doesNotMatch(off.stdout, ANSI);
  });
});

describe('tracebridge traces / trace in embedded mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracebridge-viewer-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('reads over the wire port while the bridge runs, and the data directory after it stopped', async () => {
    const [httpPort, grpcPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      DATABASE_URL: undefined,
      TRACEBRIDGE_DATA_DIR: dataDir,
      TRACEBRIDGE_HTTP_PORT: String(httpPort),
      TRACEBRIDGE_GRPC_PORT: String(grpcPort),
      TRACEBRIDGE_PG_PORT: String(pgPort),
    };
    const bridge = spawnBridge([], env);
    try {
      await waitForLog(bridge, /tracebridge listening/);
      const { traceId, groups } = agentTrace('embedded-viewer', 1000);
      await send(httpPort, groups);

      const live = await cli(['traces'], env);
      assert.equal(live.code, 0, live.stderr);
      assert.match(live.stdout, new RegExp(`${traceId.slice(0, 12)}\\s+embedded-vi`));
      const liveTrace = await cli(['trace', traceId, '--json'], env);
      assert.equal(liveTrace.code, 0, liveTrace.stderr);
      assert.equal(JSON.parse(liveTrace.stdout).trace.span_count, 3);

      bridge.child.kill('SIGTERM');
      assert.equal(await bridge.exited, 0);

      const offline = await cli(['trace', traceId], env);
      assert.equal(offline.code, 0, offline.stderr);
      assert.match(offline.stdout, /└─ CHAT_MODEL chat qwen-plus/);
      assert.match(offline.stdout, /error: ServiceError: weather service unavailable/);
    } finally {
      bridge.child.kill('SIGKILL');
    }
  });

  it('says where it looked when there is no data at all', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tracebridge-viewer-empty-'));
    try {
      const r = await cli(['traces'], {
        DATABASE_URL: undefined,
        TRACEBRIDGE_DATA_DIR: join(empty, 'none'),
        TRACEBRIDGE_PG_PORT: String(await freePort()),
      });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /no tracebridge data found: .*none holds no embedded database and no bridge uses it/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
