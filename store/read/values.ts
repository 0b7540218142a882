/**
 * Normalizing what node-postgres (int8 as string) and PGlite (int8 as number) return, so the read API sees one
 * shape: counts and tokens as numbers, ids and exact nanoseconds as strings, times as ISO-8601 strings.
 */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const texts = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
export const object = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Times are selected as text by `to_json(ts) #>> '{}'` (ISO-8601 with offset); Date objects are formatted too. */
export const time = (v: unknown): string | null =>
  v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);
