/**
 * Asks for an API key when the bridge answers 401 — once per tab: the key is kept in sessionStorage (never in a
 * URL) and sent as `Authorization: Bearer`. A modal <dialog>, so focus stays in it until a key is given.
 */
import { KeyRound } from 'lucide-preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { onKeyRequest } from '../api/client.ts';

export function KeyDialog() {
  const [request, setRequest] = useState<{ refused: boolean; resolve: (k: string) => void } | null>(null);
  const [value, setValue] = useState('');
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => onKeyRequest(setRequest), []);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (request && !d.open) d.showModal();
    if (!request && d.open) d.close();
  }, [request]);
  return (
    <dialog ref={ref} class="key-dialog" aria-labelledby="key-title" onCancel={(e) => e.preventDefault()}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          const k = value.trim();
          if (k && request) {
            setValue('');
            request.resolve(k);
          }
        }}
      >
        <h2 id="key-title">
          <KeyRound size={18} aria-hidden={true} /> API key
        </h2>
        <p>
          This bridge needs a key to read traces (<code>TRACEBRIDGE_API_KEYS</code>). It is kept for this tab
          only.
        </p>
        {request?.refused ? <p class="text-fail">That key was refused. Try another.</p> : null}
        <input
          type="password"
          name="key"
          autocomplete="off"
          aria-label="API key"
          placeholder="key"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <div class="dialog-actions">
          <button type="submit" class="btn primary">
            Continue
          </button>
        </div>
      </form>
    </dialog>
  );
}
