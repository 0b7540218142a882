/**
 * A key limited to experiments may write only to those, whatever ids a request carries. The writer pins spans to
 * the experiment that already owns their trace, so a span (or a GenAI log event) naming a trace of an experiment
 * the key may not write to must be refused there: never replace, add to or change that trace. Both transports,
 * both signals, two bridges racing for the same new trace, and keys without limits unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type RunningBridge, startBridge } from '../../cli/bridge.js';
import { loadConfig } from '../../cli/config.js';
import { ExportLogsServiceResponse, ExportTraceServiceResponse } from '../../proto/otlp.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { grpcExport } from '../support/grpc-export.js';
import { hexId, protobufRequest, type TestSpan } from '../support/otlp.js';
import { logsProtobuf } from '../support/otlp-logs.js';

const PB = { 'content-type': 'application/x-protobuf' };
const KEYS = 'admin,ka=exp-a,kab=exp-a|exp-b';
let tdb: TestDatabase;
let one: RunningBridge;
let two: RunningBridge;

before(async () => {
  tdb = await freshDatabase();
  one = await startTestBridge({ databaseUrl: tdb.url, apiKeys: KEYS });
  two = await startTestBridge({ databaseUrl: tdb.url, apiKeys: KEYS });
});
after(async () => {
  await one.stop();
  await two.stop();
  await tdb.drop();
});

const span = (traceId: string, name: string, extra: Partial<TestSpan> = {}): TestSpan => ({
  traceId,
  spanId: hexId(8),
  name,
  start: 1_700_000_000_000_000_000n,
  end: 1_700_000_001_000_000_000n,
  ...extra,
});

type Answer = { status: number; rejected: number; message: string };

/** Sends spans as key `key` routed to `experiment`, over HTTP or gRPC; the answer in HTTP terms. */
async function sendSpans(
  transport: 'http' | 'grpc',
  key: string,
  experiment: string,
  spans: TestSpan[],
  bridge = one,
): Promise<Answer> {
  const body = protobufRequest([{ resource: { 'service.name': 'scoped' }, spans }]);
  const headers = { 'x-api-key': key, 'x-tracebridge-experiment': experiment };
  if (transport === 'http') {
    const res = await postOtlp(bridge.httpPort, '/v1/traces', body, { ...PB, ...headers });
    const decoded = res.status === 200 ? ExportTraceServiceResponse.decode(res.body) : null;
    return answer(res.status, decoded, res.headers.get('x-tracebridge-error') ?? '');
  }
  const { response, error } = await grpcExport(bridge.grpcPort, 'traces', body, headers);
  if (error)
    return { status: error.code === 7 ? 403 : 1000 + error.code, rejected: 0, message: error.details };
  return answer(200, ExportTraceServiceResponse.decode(response!), '');
}

function answer(status: number, decoded: unknown, code: string): Answer {
  const obj = decoded
    ? (ExportTraceServiceResponse.toObject(decoded as never, { longs: Number }) as {
        partialSuccess?: { rejectedSpans?: number; rejectedLogRecords?: number; errorMessage?: string };
      })
    : {};
  const p = obj.partialSuccess ?? {};
  return {
    status,
    rejected: Number(p.rejectedSpans ?? p.rejectedLogRecords ?? 0),
    message: p.errorMessage ?? code,
  };
}

interface TestEvent {
  traceId: string;
  spanId: string;
  name: string;
  content: string;
}

function logsBody(events: TestEvent[]): Uint8Array {
  return logsProtobuf([
    {
      resource: { 'service.name': 'scoped' },
      scope: { name: 'genai' },
      records: events.map((e, i) => ({
        eventName: e.name,
        time: 1_700_000_000_000_000_010n + BigInt(i),
        traceId: e.traceId,
        spanId: e.spanId,
        body: { content: e.content },
      })),
    },
  ]);
}

async function sendEvents(
  transport: 'http' | 'grpc',
  key: string,
  experiment: string,
  events: TestEvent[],
): Promise<Answer> {
  const body = logsBody(events);
  const headers = { 'x-api-key': key, 'x-tracebridge-experiment': experiment };
  if (transport === 'http') {
    const res = await postOtlp(one.httpPort, '/v1/logs', body, { ...PB, ...headers });
    const decoded = res.status === 200 ? ExportLogsServiceResponse.decode(res.body) : null;
    const obj = decoded
      ? (ExportLogsServiceResponse.toObject(decoded, { longs: Number }) as {
          partialSuccess?: { rejectedLogRecords?: number; errorMessage?: string };
        })
      : {};
    return {
      status: res.status,
      rejected: Number(obj.partialSuccess?.rejectedLogRecords ?? 0),
      message: obj.partialSuccess?.errorMessage ?? res.headers.get('x-tracebridge-error') ?? '',
    };
  }
  const { response, error } = await grpcExport(one.grpcPort, 'logs', body, headers);
  if (error)
    return { status: error.code === 7 ? 403 : 1000 + error.code, rejected: 0, message: error.details };
  const obj = ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(response!), {
    longs: Number,
  }) as { partialSuccess?: { rejectedLogRecords?: number; errorMessage?: string } };
  return {
    status: 200,
    rejected: Number(obj.partialSuccess?.rejectedLogRecords ?? 0),
    message: obj.partialSuccess?.errorMessage ?? '',
  };
}

/** Everything stored about a trace: its row, its spans and its events, with the experiment names. */
async function snapshot(traceId: string) {
  const trace = await tdb.db.query(
    `SELECT t.*, e.name AS experiment FROM traces t JOIN experiments e USING (experiment_id) WHERE trace_id = $1`,
    [traceId],
  );
  const spans = await tdb.db.query(
    `SELECT s.*, e.name AS experiment FROM spans s JOIN experiments e USING (experiment_id)
     WHERE trace_id = $1 ORDER BY span_id`,
    [traceId],
  );
  const events = await tdb.db.query('SELECT * FROM genai_events WHERE trace_id = $1 ORDER BY event_key', [
    traceId,
  ]);
  return { trace: trace.rows, spans: spans.rows, events: events.rows };
}

/** A trace of experiment exp-b written with the unrestricted key: a root and a chat child with usage. */
async function traceOfB(): Promise<{ traceId: string; root: TestSpan; child: TestSpan }> {
  const traceId = hexId(16);
  const root = span(traceId, 'root');
  const child = span(traceId, 'chat', {
    parentSpanId: root.spanId,
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 10 },
  });
  const ok = await sendSpans('http', 'admin', 'exp-b', [root, child]);
  assert.equal(ok.status, 200);
  return { traceId, root, child };
}

for (const transport of ['http', 'grpc'] as const) {
  describe(`a key limited to exp-a, over ${transport}`, () => {
    it('cannot replace or add spans of a trace of exp-b: refused with a partial success, the rest stored', async () => {
      const b = await traceOfB();
      const before = await snapshot(b.traceId);
      const own = span(hexId(16), 'own');
      const res = await sendSpans(transport, 'ka', 'exp-a', [
        { ...b.child, name: 'HIJACKED', attributes: { 'gen_ai.usage.input_tokens': 99999 } },
        span(b.traceId, 'added', { parentSpanId: b.root.spanId }),
        own,
      ]);
      assert.equal(res.status, 200, res.message);
      assert.equal(res.rejected, 2);
      assert.match(res.message, /PERMISSION_DENIED|belongs to experiment "exp-b"/);
      assert.match(res.message, /exp-b/);
      assert.deepEqual(await snapshot(b.traceId), before, 'the trace of exp-b is untouched');
      const mine = await snapshot(own.traceId);
      assert.equal(mine.spans.length, 1);
      assert.equal(mine.spans[0]!.experiment, 'exp-a');
    });

    it('gets 403 / PERMISSION_DENIED when every span of the request is refused', async () => {
      const b = await traceOfB();
      const before = await snapshot(b.traceId);
      const res = await sendSpans(transport, 'ka', 'exp-a', [{ ...b.root, name: 'HIJACKED' }]);
      assert.equal(res.status, 403);
      assert.match(res.message, /PERMISSION_DENIED|exp-b/);
      assert.deepEqual(await snapshot(b.traceId), before);
    });

    it('cannot attach GenAI log events to a span of exp-b', async () => {
      const b = await traceOfB();
      const before = await snapshot(b.traceId);
      const forged = {
        traceId: b.traceId,
        spanId: b.child.spanId,
        name: 'gen_ai.choice',
        content: 'HIJACKED',
      };
      const denied = await sendEvents(transport, 'ka', 'exp-a', [forged]);
      assert.equal(denied.status, 403);
      assert.deepEqual(await snapshot(b.traceId), before, 'no event stored, the span not re-mapped');

      const ownTrace = hexId(16);
      const mixed = await sendEvents(transport, 'ka', 'exp-a', [
        forged,
        { traceId: ownTrace, spanId: hexId(8), name: 'gen_ai.user.message', content: 'mine' },
      ]);
      assert.equal(mixed.status, 200);
      assert.equal(mixed.rejected, 1);
      assert.match(mixed.message, /exp-b/);
      assert.deepEqual(await snapshot(b.traceId), before);
      assert.equal((await snapshot(ownTrace)).events.length, 1);
    });
  });
}

describe('GenAI events sent before their span exists', () => {
  it("a limited key's event waits for its span, and joins it only in an experiment the key may write to", async () => {
    for (const [key, joins] of [
      ['ka', false],
      ['kab', true],
    ] as const) {
      const traceId = hexId(16);
      const chat = span(traceId, 'chat', { attributes: { 'gen_ai.operation.name': 'chat' } });
      const early = await sendEvents('http', key, 'exp-a', [
        { traceId, spanId: chat.spanId, name: 'gen_ai.choice', content: `FORGED by ${key}` },
      ]);
      assert.equal(early.status, 200, 'no trace yet: nothing to refuse, the event is stored');
      // The trace is then created in exp-b by the unrestricted key.
      assert.equal((await sendSpans('http', 'admin', 'exp-b', [chat])).status, 200);
      const { spans, events } = await snapshot(traceId);
      assert.equal(events.length, 1);
      assert.equal(spans[0]!.experiment, 'exp-b');
      const text = JSON.stringify(spans[0]!.output_messages ?? null);
      assert.equal(text.includes(`FORGED by ${key}`), joins, `${key}: ${text}`);
    }
  });
});

describe('keys without a limit on that experiment', () => {
  it('an unrestricted key still writes into the trace, pinned to its experiment', async () => {
    const b = await traceOfB();
    const res = await sendSpans('http', 'admin', 'exp-a', [span(b.traceId, 'added by admin')]);
    assert.equal(res.status, 200);
    assert.equal(res.rejected, 0);
    const after = await snapshot(b.traceId);
    assert.equal(after.spans.length, 3);
    assert.ok(after.spans.every((s) => s.experiment === 'exp-b'));
    assert.equal(after.trace[0]!.span_count, 3);
  });

  it('a key limited to exp-a and exp-b writes into a trace of exp-b named as exp-a (pinned there)', async () => {
    const b = await traceOfB();
    const res = await sendSpans('grpc', 'kab', 'exp-a', [span(b.traceId, 'added by kab')]);
    assert.equal(res.status, 200);
    assert.equal(res.rejected, 0);
    const ev = await sendEvents('http', 'kab', 'exp-a', [
      { traceId: b.traceId, spanId: b.child.spanId, name: 'gen_ai.choice', content: 'ok' },
    ]);
    assert.equal(ev.status, 200);
    assert.equal(ev.rejected, 0);
    const after = await snapshot(b.traceId);
    assert.equal(after.spans.length, 3);
    assert.ok(after.spans.every((s) => s.experiment === 'exp-b'));
    assert.equal(after.events.length, 1);
  });
});

describe('two bridges racing for a new trace', () => {
  it('whichever experiment wins the trace, the limited key never writes into exp-b', async () => {
    let bWon = 0;
    let aWon = 0;
    for (let round = 0; round < 24; round++) {
      const traceId = hexId(16);
      const adminSpan = span(traceId, 'admin');
      const limitedSpan = span(traceId, 'limited');
      // Same bridge (one batch may carry both) or two bridges (two transactions on the trace's lock).
      const [adminBridge, limitedBridge] = round % 3 === 0 ? [one, one] : round % 2 ? [one, two] : [two, one];
      const delay = round % 4;
      const [adminRes, limitedRes] = await Promise.all([
        sendSpans(round % 2 ? 'http' : 'grpc', 'admin', 'exp-b', [adminSpan], adminBridge),
        new Promise((r) => setTimeout(r, delay)).then(() =>
          sendSpans(round % 2 ? 'grpc' : 'http', 'ka', 'exp-a', [limitedSpan], limitedBridge),
        ),
      ]);
      assert.equal(adminRes.status, 200, adminRes.message);
      const { spans, trace } = await snapshot(traceId);
      assert.equal(trace.length, 1);
      const owner = trace[0]!.experiment as string;
      assert.ok(
        spans.every((s) => s.experiment === owner),
        'every span of a trace is in its experiment',
      );
      if (owner === 'exp-b') {
        bWon++;
        assert.equal(limitedRes.status, 403, `round ${round}: ${limitedRes.message}`);
        assert.deepEqual(
          spans.map((s) => s.name),
          ['admin'],
        );
        assert.equal(trace[0]!.span_count, 1);
      } else {
        aWon++;
        assert.equal(owner, 'exp-a');
        assert.equal(limitedRes.status, 200);
        assert.equal(spans.length, 2);
      }
    }
    // The race must have gone to exp-b at least once, else this test could not fail.
    assert.ok(bWon > 0, `exp-b won ${bWon}, exp-a ${aWon} of 24 rounds`);
  });
});

describe('keys are never logged', () => {
  it('neither valid nor wrong keys appear in the log, at the most verbose level, over HTTP and gRPC', async () => {
    const secret = `k-${hexId(12)}`;
    const wrong = `w-${hexId(12)}`;
    const lines: string[] = [];
    const log = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const bridge = await startBridge(
      {
        ...loadConfig([], {}),
        host: '127.0.0.1',
        httpPort: 0,
        grpcPort: 0,
        pgPort: 0,
        databaseUrl: tdb.url,
        apiKeys: `${secret}=exp-a`,
      },
      log,
    );
    try {
      const body = protobufRequest([{ spans: [span(hexId(16), 'logged?')] }]);
      for (const key of [secret, wrong]) {
        const variants: Record<string, string>[] = [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }];
        for (const headers of variants) {
          await postOtlp(bridge.httpPort, '/v1/traces', body, { ...PB, ...headers });
          await grpcExport(bridge.grpcPort, 'traces', body, headers);
        }
      }
      // A request refused in the writer (another experiment's trace) logs nothing of its key either.
      const b = await traceOfB();
      await postOtlp(bridge.httpPort, '/v1/traces', protobufRequest([{ spans: [span(b.traceId, 'x')] }]), {
        ...PB,
        'x-api-key': secret,
        'x-tracebridge-experiment': 'exp-a',
      });
    } finally {
      await bridge.stop();
    }
    assert.ok(lines.length > 0, 'the bridge logged something');
    const all = lines.join('\n');
    assert.ok(!all.includes(secret), 'the valid key is not in the log');
    assert.ok(!all.includes(wrong), 'the wrong key is not in the log');
  });
});
