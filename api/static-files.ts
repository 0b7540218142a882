/**
 * The web UI's static files: Vite's build output in `dist/ui/` (`index.html` and hashed `assets/`), served by the
 * bridge itself (no CDN). The app's routes (`/`, `/traces/<id>`, `/runs/<id>`, `/sessions/<id>`, …) answer with
 * `index.html` so a reload or a shared link opens the same page. Paths are untrusted: each segment is decoded and
 * checked, the file must resolve (symlinks included) inside the directory, and nothing else is ever read.
 */
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzip } from 'node:zlib';

/** Strict: scripts and styles only from the bridge, no inline script, nothing framed, no form posts elsewhere. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Headers every UI and API response carries. */
export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.map',
  '.svg',
  '.txt',
  '.webmanifest',
]);

/** The app's own routes: answered with index.html (the app reads the path). */
const APP_ROUTE = /^\/(?:(?:traces|runs|sessions)(?:\/[^/]+)?\/?)?$/;

/** `dist/ui/` next to the build (dist/api → dist/ui) or, from source (api/), under the repository's dist/. */
export function defaultUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromSource = resolve(here, '..', 'dist', 'ui');
  if (existsSync(fromSource)) return fromSource;
  const parent = resolve(here, '..');
  return basename(parent) === 'dist' ? join(parent, 'ui') : fromSource;
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  body: Buffer;
  gzipped: Buffer | null;
}

export class StaticFiles {
  private readonly cache = new Map<string, CachedFile>();
  private rootReal: string | null = null;

  constructor(private readonly root: string) {}

  /** Serves `path` (already split from the query string) for GET / HEAD. */
  async serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const isApp = APP_ROUTE.test(path) || path === '/index.html';
    const segments = isApp ? ['index.html'] : splitPath(path);
    if (segments === null) return text(res, 400, 'bad path');
    const file = segments.join('/');
    const found = await this.read(file);
    if (found === 'missing') {
      if (isApp) return text(res, 503, 'the web UI is not built: run `npm run build` (it builds dist/ui/)');
      return text(res, 404, 'not found');
    }
    const ext = extname(file).toLowerCase();
    const immutable = segments[0] === 'assets';
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      // Vite names assets by content hash: they never change. index.html names the current ones: revalidate.
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Last-Modified': new Date(found.mtimeMs).toUTCString(),
      Vary: 'Accept-Encoding',
    };
    const useGzip = found.gzipped !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = useGzip ? found.gzipped! : found.body;
    if (useGzip) headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private async read(relative: string): Promise<CachedFile | 'missing'> {
    try {
      this.rootReal ??= await realpath(this.root);
      const real = await realpath(join(this.rootReal, relative));
      if (!real.startsWith(this.rootReal + sep)) return 'missing';
      const st = await stat(real);
      if (!st.isFile()) return 'missing';
      const cached = this.cache.get(real);
      if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached;
      const body = await readFile(real);
      const ext = extname(real).toLowerCase();
      const gzipped =
        COMPRESSIBLE.has(ext) && body.length > 1024
          ? await new Promise<Buffer>((ok, fail) => gzip(body, (err, out) => (err ? fail(err) : ok(out))))
          : null;
      const entry = { mtimeMs: st.mtimeMs, size: st.size, body, gzipped };
      this.cache.set(real, entry);
      return entry;
    } catch {
      this.rootReal = null;
      return 'missing';
    }
  }
}

/** Decoded segments, or null when a segment is malformed or could leave the directory (`..`, dotfiles, `\`). */
function splitPath(path: string): string[] | null {
  const out: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg.startsWith('.') || /[\\/\u0000]/.test(seg) || seg.length > 255) return null;
    out.push(seg);
  }
  return out;
}

function text(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(message),
    'Cache-Control': 'no-store',
  });
  res.end(message);
}
