/**
 * The error the client throws: a refused login, a failed API call of the auth helpers, or a
 * network failure (`status` 0). Carries Strapi's error shape `{ status, name, message, details }`.
 */
export class AuthError extends Error {
  /** HTTP status, or 0 for a network error. */
  readonly status: number;
  /** Strapi's error name (`'ValidationError'`, `'UnauthorizedError'`, …), or `'NetworkError'`. */
  readonly code: string;
  /** Strapi's `error.details`, when present. */
  readonly details: unknown;

  /**
   * @param status - HTTP status (0: no response).
   * @param code - Strapi's error name.
   * @param message - human-readable message (the server's when it sent one).
   * @param details - Strapi's `error.details`.
   */
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'AuthError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** An AuthError from a non-2xx response, reading Strapi's `{ error: { … } }` body when there is one. */
  static async fromResponse(response: Response): Promise<AuthError> {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    const error = (body as { error?: { name?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    const code = typeof error?.name === 'string' ? error.name : 'HttpError';
    const message = typeof error?.message === 'string' ? error.message : `Request failed with status ${response.status}`;
    return new AuthError(response.status, code, message, error?.details);
  }
}
