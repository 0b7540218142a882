/**
 * The scenario every interop test file shares, in one call: before its tests, make the client's venv (Python
 * clients) or install test/interop/js's packages (JS clients), start the fake model server, the bridge and a fresh database
 * (startScenario), run the client program(s), wait until the spans are stored and read spans and traces back;
 * after them, stop everything and convert (or, with INTEROP_SAVE_CAPTURES=1, save) what the client sent. A test
 * file then holds only what is specific to its client: how to run it and what its rows must say.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Script } from '../fake-model-server.js';
import { ensureJsClients } from './js-clients.js';
import { ensurePythonEnv, MAIN_ENV, PYTHON_DIR, type PythonEnv, VENV_TIMEOUT_MS } from './python.js';
import {
  CLIENT_TIMEOUT_MS,
  type Row,
  runClient,
  type Scenario,
  startScenario,
  tree,
  verbose,
} from './scenario.js';

/** What the tests of one client run read; filled in by the time the first test runs. */
export interface ClientRun {
  s: Scenario;
  /** Every span row, in start order (Scenario.spans). */
  spans: Row[];
  traces: Row[];
  /** The python of the client's venv ('' for a JS client). */
  python: string;
  /** The trace with this name; fails listing the stored names when there is none. */
  traceOf(name: string): Row;
  /** The spans of the trace with this name. */
  spansOf(name: string): Row[];
}

export interface ClientRunOptions {
  /** Where INTEROP_SAVE_CAPTURES=1 keeps what the client sent: test/fixtures/captured/<fixture>/. */
  fixture: string;
  /** Spans to wait for once the client has run (exporters may still be flushing). */
  spans: number;
  /** The fake model's behaviour (default: the search agent's tool loop). */
  script?: Script;
  /** A Python client: the venv it runs in (MAIN_ENV unless its pins need their own). */
  venv?: PythonEnv;
  /** A JS client: the packages of test/interop/js/package.json it needs. */
  npm?: string[];
  /** How many client programs `client` runs one after the other (for the hook's timeout). */
  programs?: number;
  /** Runs the client program(s) against the scenario; `python` is the venv's interpreter. */
  client(s: Scenario, python: string): Promise<unknown>;
  /** Called with the run once rows are read, for client-specific state (e.g. what the model was sent). */
  afterRows?(run: ClientRun): void;
}

/**
 * Registers the before / after hooks of the describe block it is called in and returns the run its tests read.
 */
export function clientRun(o: ClientRunOptions): ClientRun {
  const run = {
    python: '',
    traceOf(name: string) {
      const t = run.traces.find((r) => r.name === name);
      assert.ok(t, `trace ${name} stored; traces: ${run.traces.map((r) => r.name).join(', ')}`);
      return t;
    },
    spansOf(name: string) {
      const id = run.traceOf(name).trace_id;
      return run.spans.filter((r) => r.trace_id === id);
    },
  } as ClientRun;
  const python = o.venv !== undefined || o.npm === undefined;
  before(
    async () => {
      if (o.npm) await ensureJsClients(o.npm, (m) => verbose(m));
      if (python) run.python = await ensurePythonEnv((m) => verbose(m), o.venv ?? MAIN_ENV);
      run.s = await startScenario(o.script);
      await o.client(run.s, run.python);
      run.spans = await run.s.waitForSpans(o.spans);
      run.traces = await run.s.traces();
      verbose(tree(run.spans));
      o.afterRows?.(run);
    },
    { timeout: VENV_TIMEOUT_MS + (o.programs ?? 1) * CLIENT_TIMEOUT_MS },
  );
  after(() => run.s?.finish(o.fixture));
  return run;
}

/** Runs test/interop/python/<file> with the venv's interpreter; `label` names it in failures. */
export function runPython(python: string, file: string, env: NodeJS.ProcessEnv, label = file) {
  return runClient(label, python, [join(PYTHON_DIR, file)], env);
}

/** A client environment exporting traces over OTLP/HTTP to the scenario's bridge as service `service`. */
export function otlpHttpEnv(
  s: Scenario,
  service: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return s.env({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${s.httpEndpoint}/v1/traces`,
    OTEL_SERVICE_NAME: service,
    ...extra,
  });
}

/** The OTel JS SDK's NodeSDK exports metrics and logs too unless told not to: the JS clients send traces only. */
export const JS_SDK_TRACES_ONLY = { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
