/** An id in monospace with a copy button (the clipboard API needs a secure context; 127.0.0.1 is one). */
import { Copy } from 'lucide-preact';
import { useState } from 'preact/hooks';

export function CopyId({ id }: { id: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span class="copy-id">
      <code>{id}</code>
      <button
        type="button"
        class="icon-btn bare"
        title="Copy"
        aria-label="Copy id"
        onClick={() => {
          navigator.clipboard?.writeText(id).then(
            () => {
              setCopied(true);
              setTimeout(() => setCopied(false), 1200);
            },
            () => {},
          );
        }}
      >
        <Copy size={12} aria-hidden={true} />
      </button>
      {copied ? <span class="muted small">copied</span> : null}
    </span>
  );
}
