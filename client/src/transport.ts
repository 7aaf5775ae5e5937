/** How the client talks to Strapi: JSON POSTs, network failures as AuthError, bounded retries of 429/503. */
import { AuthError } from './errors';
import { sleep } from './tabs';

export const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };
/** 503 (the server's session store is down) and 429 mean "try again", never "signed out". */
const RETRY_STATUSES = new Set([429, 503]);
const MAX_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 2000;

/**
 * Whether this runtime's own fetch keeps cookies: a page, a web worker or React Native do;
 * Node, Deno, Bun and edge runtimes do not.
 */
export function runtimeKeepsCookies(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown; navigator?: { product?: string } };
  return g.document !== undefined || g.WorkerGlobalScope !== undefined || g.navigator?.product === 'ReactNative';
}

export const isAbsolute = (url: string) => /^[a-z][a-z\d+\-.]*:/i.test(url);

export interface Transport {
  /** One JSON POST; a network failure throws AuthError(0, 'NetworkError'). */
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /**
   * A POST retried (at most twice, a few seconds in all) while the server answers 429 or 503.
   * `headers` is asked again for each attempt (a DPoP proof is good for one request). Resolves
   * with the last answer and when it was sent.
   */
  postRetrying(
    url: string,
    body: unknown,
    headers?: () => Promise<Record<string, string>>
  ): Promise<{ response: Response; sentAt: number }>;
}

export function createTransport(fetchImpl: typeof fetch, credentials: RequestCredentials): Transport {
  async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    try {
      return await fetchImpl(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body), credentials });
    } catch (error) {
      throw new AuthError(0, 'NetworkError', (error as Error)?.message ?? String(error));
    }
  }

  return {
    post,
    async postRetrying(url, body, headers = async () => ({})) {
      for (let attempt = 0; ; attempt++) {
        const extra = await headers();
        const sentAt = Date.now();
        const response = await post(url, body, extra);
        if (!RETRY_STATUSES.has(response.status) || attempt >= MAX_RETRIES) return { response, sentAt };
        // Bounded backoff: Retry-After when given, capped, so a caller never waits more than a few seconds.
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Math.min(MAX_RETRY_WAIT_MS, retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt));
      }
    },
  };
}
