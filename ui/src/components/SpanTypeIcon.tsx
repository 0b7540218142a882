/** One icon and one colour per span type, the same in the tree, the legend and the filters. */
import {
  Binary,
  Bot,
  Box,
  Brain,
  Database,
  FileCode,
  Gauge,
  Link2,
  ListChecks,
  ListOrdered,
  type LucideIcon,
  MessageSquare,
  Search,
  ShieldCheck,
  Workflow,
  Wrench,
} from 'lucide-preact';

interface TypeStyle {
  icon: LucideIcon;
  /** CSS class carrying the colour pair (styles.css `.t-*`). */
  tone: string;
  label: string;
}

const TYPES: Record<string, TypeStyle> = {
  AGENT: { icon: Bot, tone: 't-agent', label: 'Agent' },
  CHAT_MODEL: { icon: MessageSquare, tone: 't-model', label: 'Chat model' },
  LLM: { icon: Brain, tone: 't-model', label: 'LLM' },
  EMBEDDING: { icon: Binary, tone: 't-retrieval', label: 'Embedding' },
  RERANKER: { icon: ListOrdered, tone: 't-retrieval', label: 'Reranker' },
  RETRIEVER: { icon: Search, tone: 't-retrieval', label: 'Retriever' },
  TOOL: { icon: Wrench, tone: 't-tool', label: 'Tool' },
  CHAIN: { icon: Link2, tone: 't-chain', label: 'Chain' },
  WORKFLOW: { icon: Workflow, tone: 't-chain', label: 'Workflow' },
  TASK: { icon: ListChecks, tone: 't-chain', label: 'Task' },
  PARSER: { icon: FileCode, tone: 't-other', label: 'Parser' },
  MEMORY: { icon: Database, tone: 't-other', label: 'Memory' },
  GUARDRAIL: { icon: ShieldCheck, tone: 't-guard', label: 'Guardrail' },
  EVALUATOR: { icon: Gauge, tone: 't-guard', label: 'Evaluator' },
};
const UNKNOWN: TypeStyle = { icon: Box, tone: 't-other', label: 'Span' };

export const SPAN_TYPES = Object.keys(TYPES);

export function spanTypeStyle(type: string | null | undefined): TypeStyle {
  return (type && TYPES[type]) || UNKNOWN;
}

export function SpanTypeIcon({ type, size = 14 }: { type: string | null | undefined; size?: number }) {
  const s = spanTypeStyle(type);
  const Icon = s.icon;
  return (
    <span class={`type-icon ${s.tone}`} title={type ?? 'UNKNOWN'}>
      <Icon size={size} aria-hidden={true} />
    </span>
  );
}
