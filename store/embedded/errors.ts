/** A failure to start the embedded server, worded for the user: the setting to change and why (one line). */
export class EmbeddedStartError extends Error {
  constructor(
    /** The environment variable the user would change (TRACEBRIDGE_DATA_DIR, TRACEBRIDGE_PG_PORT, …). */
    readonly setting: string,
    cause: string,
  ) {
    super(`${setting}: ${cause}`);
  }
}

/** A system error's message without Node's "ECODE: " prefix noise kept once. */
export function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message.split('\n')[0] ?? err.message;
}
