/**
 * The read side's HTTP entry: the JSON API under /api/v1/ and the web UI's files, on the OTLP/HTTP port. The HTTP
 * receiver hands every request to `route` first; it answers what is its own (anything under /api/, and GET / HEAD
 * of any path that is not an ingest or probe path) and leaves the rest (OTLP, /healthz, /metrics) to ingest.
 *
 * Access: with API keys configured every /api/v1/ call needs one (ingest/auth.ts, the same headers as ingest);
 * a key scoped to experiments sees only those. The UI's static shell is public: it holds no data.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import type { Logger } from 'pino';
import type { ApiKeys } from '../ingest/auth.js';
import type { Database } from '../store/db.js';
import { experimentIds } from '../store/read/experiments.js';
import { isRetryableDbError } from '../store/write-errors.js';
import { ENDPOINTS, type Scope } from './endpoints.js';
import { HttpError } from './http-error.js';
import { openApiDocument } from './openapi.js';
import { BadRequest } from './params.js';
import { SECURITY_HEADERS, type StaticFiles } from './static-files.js';

export interface ReadApiOptions {
  /** The read connection (JIT off, a statement timeout: cli/database.ts). */
  db: Database;
  apiKeys: ApiKeys;
  /** null when there is no UI to serve (the API still answers). */
  files: StaticFiles | null;
  log: Logger;
}

/** Paths that stay with the OTLP receiver whatever the method. */
const INGEST_PATHS = /^\/(?:v1\/|healthz$|readyz$|metrics$)/;

/** Returns false when the request is not the read side's (the receiver then handles it). */
export function readApiRoute(opts: ReadApiOptions) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    if (INGEST_PATHS.test(path)) return false;
    const isApi = path === '/api' || path.startsWith('/api/');
    if (!isApi && req.method !== 'GET' && req.method !== 'HEAD') return false;
    // Nothing of the read side takes a body: read and drop one if sent, then answer.
    req.resume();
    const work = isApi
      ? api(req, res, path, q >= 0 ? url.slice(q + 1) : '', opts)
      : opts.files
        ? opts.files.serve(req, res, path)
        : Promise.resolve(sendError(res, new HttpError(404, 'NOT_FOUND', 'the web UI is off')));
    work.catch((err: unknown) => {
      opts.log.error({ err, path }, 'unhandled error in the read API');
      if (!res.headersSent) sendError(res, new HttpError(500, 'INTERNAL', 'internal error'));
      else res.destroy();
    });
    return true;
  };
}

async function api(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
  opts: ReadApiOptions,
): Promise<void> {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed; the read API is GET only`);
    }
    if (path === '/api/v1/openapi.json') return await sendJson(req, res, 200, openApiDocument);
    const endpoint = ENDPOINTS.find((e) => e.pattern.test(path));
    if (!endpoint) throw new HttpError(404, 'NOT_FOUND', `no endpoint ${path.slice(0, 200)}`);
    const scope = await authorize(req, opts);
    const match = endpoint.pattern.exec(path)!;
    const body = await endpoint.handle({
      db: opts.db,
      scope,
      segments: match.slice(1),
      search: new URLSearchParams(query),
    });
    await sendJson(req, res, 200, body);
  } catch (err) {
    if (err instanceof HttpError) return sendError(res, err);
    if (err instanceof BadRequest) return sendError(res, new HttpError(400, 'BAD_REQUEST', err.message));
    if (isRetryableDbError(err) || (err as { code?: string }).code === '57014') {
      opts.log.warn({ err: (err as Error).message, path }, 'read API query failed');
      res.setHeader('Retry-After', '1');
      return sendError(res, new HttpError(503, 'UNAVAILABLE', 'the database is unavailable or too slow'));
    }
    throw err;
  }
}

async function authorize(req: IncomingMessage, opts: ReadApiOptions): Promise<Scope> {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const auth = opts.apiKeys.authenticate(header('authorization'), header('x-api-key'));
  if (!auth.ok) {
    const why = auth.reason === 'missing' ? 'an API key is required' : 'the API key is not valid';
    throw new HttpError(401, 'UNAUTHENTICATED', `${why} (Authorization: Bearer or x-api-key)`);
  }
  if (auth.allowedExperiments === null) return { names: null, ids: null };
  const names = [...auth.allowedExperiments];
  return { names, ids: await experimentIds(opts.db, names) };
}

function sendError(res: ServerResponse, err: HttpError): void {
  if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  const text = JSON.stringify({ error: { code: err.code, message: err.message } });
  res.writeHead(err.status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** JSON, gzipped when the client takes it and it is worth it (a 10,000-span tree shrinks ~10×). */
async function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown) {
  const raw = Buffer.from(JSON.stringify(body), 'utf8');
  const zip = raw.length > 2048 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const out = zip
    ? await new Promise<Buffer>((ok, fail) => gzip(raw, { level: 4 }, (e, b) => (e ? fail(e) : ok(b))))
    : raw;
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': out.length,
    // Prompts and keys: never stored by a browser or a proxy.
    'Cache-Control': 'no-store',
    Vary: 'Accept-Encoding, Authorization, x-api-key',
  };
  if (zip) headers['Content-Encoding'] = 'gzip';
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : out);
}
