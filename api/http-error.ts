/** An answer other than 200, with the stable code the JSON error body carries (api/types.ts ApiError). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
