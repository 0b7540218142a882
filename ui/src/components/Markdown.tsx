/**
 * Markdown of untrusted text (prompts, replies, tool results). Two locks: raw HTML in the Markdown is escaped so
 * it shows as the text that was sent, and the HTML marked produces goes through DOMPurify before it reaches the
 * DOM. Images are not loaded (a prompt's image URL would call a third-party host from the reader's browser):
 * they become links. Very long text is shown as plain text: parsing megabytes would stall the page.
 */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const MAX_MARKDOWN_CHARS = 60_000;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
  },
});

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

const PURIFY = {
  FORBID_TAGS: ['img', 'style', 'form', 'input', 'button', 'iframe', 'video', 'audio', 'svg', 'math'],
  FORBID_ATTR: ['style', 'class', 'id'],
};

export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string;
  return DOMPurify.sanitize(html, PURIFY) as string;
}

export function Markdown({ text }: { text: string }) {
  if (text.length > MAX_MARKDOWN_CHARS) return <pre class="plain-text">{text}</pre>;
  // Sanitized above: marked's HTML passes DOMPurify, raw HTML in the source is escaped first.
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />;
}
