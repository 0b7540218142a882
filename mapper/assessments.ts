/**
 * Evaluation results: `gen_ai.evaluation.result` events (OTel GenAI semconv) — on the span or sent as logs —
 * become the span's assessments. Attributes: gen_ai.evaluation.name, gen_ai.evaluation.score.value,
 * gen_ai.evaluation.score.label, gen_ai.evaluation.explanation, gen_ai.response.id, error.type.
 */
import type { DecodedEvent } from '../otlp/model.js';
import type { Assessment } from './types.js';
import { num, str } from './values.js';

export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

export function assessmentsOf(events: DecodedEvent[]): Assessment[] | null {
  const out: Assessment[] = [];
  for (const e of events) {
    if (e.name !== EVALUATION_EVENT) continue;
    const a = e.attributes;
    out.push({
      name: str(a['gen_ai.evaluation.name']),
      score: num(a['gen_ai.evaluation.score.value']),
      label: str(a['gen_ai.evaluation.score.label']),
      explanation: str(a['gen_ai.evaluation.explanation']),
      response_id: str(a['gen_ai.response.id']),
      error_type: str(a['error.type']),
      time_unix_nano: e.timeUnixNano.toString(),
    });
  }
  return out.length ? out : null;
}
