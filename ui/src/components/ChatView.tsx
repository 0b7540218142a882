/**
 * A span's normalized messages (docs/schema.md `input_messages` / `output_messages`) as a conversation: who spoke,
 * what they said (Markdown, sanitized), the tool calls with their arguments and the results that answered them.
 */
import { Wrench } from 'lucide-preact';
import type { ChatMessage } from '../../../api/types.ts';
import { JsonView } from './JsonView.tsx';
import { Markdown } from './Markdown.tsx';

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return v;
  try {
    return JSON.parse(t);
  } catch {
    return v;
  }
}

function Content({ content }: { content: unknown }) {
  if (content == null || content === '') return null;
  if (typeof content === 'string') return <Markdown text={content} />;
  if (Array.isArray(content)) {
    return (
      <>
        {content.map((part, i) => {
          const p = part as { type?: unknown; text?: unknown; content?: unknown };
          const text =
            typeof p?.text === 'string' ? p.text : typeof p?.content === 'string' ? p.content : null;
          if (text != null) return <Markdown key={i} text={text} />;
          return <JsonView key={i} data={part} />;
        })}
      </>
    );
  }
  return <JsonView data={content} />;
}

function ToolCall({ call }: { call: NonNullable<ChatMessage['tool_calls']>[number] }) {
  const args = parseMaybeJson(call.arguments);
  return (
    <div class="tool-call">
      <div class="tool-call-head">
        <Wrench size={13} aria-hidden={true} />
        <span class="tool-call-name">{call.name ?? 'tool call'}</span>
        {call.id ? <code class="muted">{call.id}</code> : null}
      </div>
      {args == null || args === '' ? null : <JsonView data={args} />}
    </div>
  );
}

function roleClass(role: string) {
  const r = role.toLowerCase();
  if (r === 'user' || r === 'human') return 'role-user';
  if (r === 'assistant' || r === 'ai' || r === 'model') return 'role-assistant';
  if (r === 'system' || r === 'developer') return 'role-system';
  if (r === 'tool' || r === 'function' || r === 'ipython') return 'role-tool';
  return 'role-other';
}

export function Message({ message, toolNames }: { message: ChatMessage; toolNames: Map<string, string> }) {
  const role = typeof message.role === 'string' ? message.role : 'unknown';
  const answers = message.tool_call_id ? toolNames.get(message.tool_call_id) : undefined;
  return (
    <div class={`message ${roleClass(role)}`}>
      <div class="message-head">
        <span class="role">{role}</span>
        {message.name ? <span class="muted">{String(message.name)}</span> : null}
        {message.tool_call_id ? (
          <span class="muted">
            result of {answers ?? 'call'} <code>{message.tool_call_id}</code>
          </span>
        ) : null}
        {message.finish_reason ? <span class="chip">{String(message.finish_reason)}</span> : null}
      </div>
      <div class="message-body">
        <Content content={role === 'tool' ? parseMaybeJsonForDisplay(message.content) : message.content} />
        {message.tool_calls?.map((c, i) => (
          <ToolCall key={c.id ?? i} call={c} />
        ))}
      </div>
    </div>
  );
}

/** A tool result that is a JSON document reads better as one than as Markdown. */
function parseMaybeJsonForDisplay(content: unknown): unknown {
  const v = parseMaybeJson(content);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : content;
}

export function ChatView({ input, output }: { input: ChatMessage[] | null; output: ChatMessage[] | null }) {
  const all = [...(input ?? []), ...(output ?? [])];
  const toolNames = new Map<string, string>();
  for (const m of all) for (const c of m.tool_calls ?? []) if (c.id && c.name) toolNames.set(c.id, c.name);
  return (
    <div class="chat">
      {(input ?? []).map((m, i) => (
        <Message key={`i${i}`} message={m} toolNames={toolNames} />
      ))}
      {output?.length ? <div class="chat-divider">output</div> : null}
      {(output ?? []).map((m, i) => (
        <Message key={`o${i}`} message={m} toolNames={toolNames} />
      ))}
    </div>
  );
}
