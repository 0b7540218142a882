/**
 * CrewAI as openinference-instrumentation-crewai records it (scope `openinference.instrumentation.crewai`): the
 * crew's kickoff (CHAIN), each agent's task execution (`<role>._execute_core`, AGENT) and tool runs (TOOL) are
 * OpenInference spans whose payloads are CrewAI objects — the crew's task list, a TaskOutput, a CrewOutput — so
 * OpenInference alone gives them no messages, the span name as agent name and the JSON of those objects as
 * previews. This convention reads the question and the answer out of those objects.
 *
 * Precedence: above OpenInference (it refines OpenInference's reading of the same spans), for the columns below
 * only; inputs / outputs stay OpenInference's (the raw payloads).
 * - input_messages  kickoff: one user message per task description (`crew_tasks`); agent: the task's description
 *                   (the TaskOutput in `output.value`).
 * - output_messages kickoff / agent: the answer, `raw` of the CrewOutput / TaskOutput in `output.value`.
 * - agent_name      agent spans: the TaskOutput's `agent` > `input.value` agent.role.
 */
import type { AttrValue, SpanInput } from '../otlp/model.js';
import type { ChatMessage, Convention, Json, MappedFields } from './types.js';
import { isObject, jsonish, str } from './values.js';

const SCOPE = 'openinference.instrumentation.crewai';

function object(v: AttrValue | undefined): { [key: string]: Json } | null {
  const d = jsonish(v);
  return isObject(d) ? d : null;
}

function answer(output: { [key: string]: Json } | null): ChatMessage[] | null {
  const raw = output ? str(output.raw) : null;
  return raw ? [{ role: 'assistant', content: raw }] : null;
}

function taskMessages(v: AttrValue | undefined): ChatMessage[] | null {
  const tasks = jsonish(v);
  if (!Array.isArray(tasks)) return null;
  const out: ChatMessage[] = [];
  for (const t of tasks) {
    const d = isObject(t) ? str(t.description) : null;
    if (d) out.push({ role: 'user', content: d });
  }
  return out.length ? out : null;
}

export const crewai: Convention = {
  name: 'crewai',
  map(input: SpanInput): MappedFields | null {
    if (input.scope.name !== SCOPE) return null;
    const a = input.span.attributes;
    const output = object(a['output.value']);
    const kind = str(a['openinference.span.kind']);
    if (a.crew_tasks !== undefined || input.span.name.endsWith('.kickoff')) {
      return { input_messages: taskMessages(a.crew_tasks), output_messages: answer(output) };
    }
    if (kind === 'AGENT') {
      const description = output ? str(output.description) : null;
      const agent = object(a['input.value'])?.agent;
      return {
        input_messages: description ? [{ role: 'user', content: description }] : null,
        output_messages: answer(output),
        agent_name: (output ? str(output.agent) : null) ?? (isObject(agent) ? str(agent.role) : null),
      };
    }
    return null;
  },
};
