/**
 * `strapi-plugin-refresh-token/server`: sessions for server-rendered front ends (Next.js, Nuxt,
 * SvelteKit, Remix…), the backend-for-frontend way. The front end's server logs in to Strapi,
 * asks for the refresh token in the JSON (`X-Refresh-Token-Delivery: body`, honored for server
 * requests whatever the plugin's `delivery`; no Secure cookie is set, so a plain-HTTP hop to a
 * production Strapi works) and keeps both tokens in httpOnly cookies **on its own domain**; page
 * script never sees either. Server code gets a valid access token (`getAccessToken()`, `fetch()`), refreshed
 * shortly before it expires.
 *
 * Concurrency: one browser's navigation runs middleware, several server components and route
 * handlers at once, all holding the same refresh cookie. Within a process, they share one refresh
 * (single flight), and for the server's grace period a refreshed token is remembered, so a request
 * that still carries the old cookie gets the same new pair instead of a second rotation. Across
 * processes, the plugin's grace period answers the same successor. The session never forks.
 *
 * Trusted front end: Strapi sees every browser behind this server as the server's one address.
 * With REFRESH_TOKEN_PROXY_SECRET (or `proxySecret`) set here and in Strapi, each request to Strapi
 * names the browser (`client`: its IP and User-Agent) in headers signed with that secret, so
 * per-IP limits, session devices and new-device alerts are the browser's own.
 *
 * Zero dependencies: Web `fetch` and WebCrypto, and a two-method cookie adapter any framework can provide.
 */
import { decodeJwt, defaultRefreshMargin } from '../../contracts/src/jwt';
import { clientHeaders } from './client-identity';
import { refreshDoneOrRunning, refreshOncePerProcess, type Pair, type RefreshOutcome } from './refresh-once';
import { RefreshNeededError, StrapiConfigError, StrapiUnavailableError } from './errors';
import { dpopSigner } from './dpop-key';
import type { AuthUser, CookieOptions, ServerAuthOptions } from './types';

export { clientHeaders } from './client-identity';
export { verifyAccessToken, type VerifyOptions } from './verify';
export { RefreshNeededError, StrapiConfigError, StrapiUnavailableError } from './errors';
export * from './types';

const NO_REFRESH_TOKEN =
  "Strapi answered without a refreshToken: update strapi-plugin-refresh-token in the Strapi app to the version of this front end (older versions need the plugin's delivery set to 'body' or 'both')";

const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
/** A refresh cookie of a "remember me: no" login starts with this mark (never in a token). */
const SESSION_ONLY = '~';

const expiresAt = (jwt: string): number => {
  const exp = decodeJwt(jwt)?.exp;
  return typeof exp === 'number' ? exp * 1000 : 0;
};
const lifespanMs = (jwt: string): number => {
  const claims = decodeJwt(jwt);
  return typeof claims?.exp === 'number' && typeof claims.iat === 'number' ? (claims.exp - claims.iat) * 1000 : 0;
};

export function createServerAuth(options: ServerAuthOptions) {
  const strapiBase = options.strapiUrl.replace(/\/+$/, '');
  const strapiOrigin = new URL(strapiBase).origin;
  const base = strapiBase + (options.apiPrefix ?? '/api').replace(/\/+$/, '');
  const names = { refresh: options.cookieNames?.refresh ?? 'strapi_rt', access: options.cookieNames?.access ?? 'strapi_at' };
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const margin = (jwt: string) => options.refreshMarginMs ?? defaultRefreshMargin(lifespanMs(jwt));
  const reuseWindow = options.reuseWindowMs ?? 10_000;
  const secret = options.proxySecret ?? (env('REFRESH_TOKEN_PROXY_SECRET') || undefined);
  if (secret !== undefined && secret.length < 16)
    throw new Error('REFRESH_TOKEN_PROXY_SECRET (proxySecret) must be at least 16 characters');
  const dpopKey = options.dpopKey ?? (env('REFRESH_TOKEN_DPOP_KEY') || undefined);
  /** The DPoP header for one request to Strapi; none without a key. */
  const proof = async (method: string, url: string, accessToken?: string): Promise<Record<string, string>> =>
    dpopKey ? { DPoP: await (await dpopSigner(dpopKey)).sign(method, url, accessToken) } : {};
  /** How an access token goes to Strapi: `DPoP` with a proof when its session is bound to our key. */
  const authorization = async (token: string, method: string, url: string): Promise<Record<string, string>> => {
    const bound = dpopKey !== undefined && decodeJwt(token)?.cnf !== undefined;
    return bound ? { Authorization: `DPoP ${token}`, ...(await proof(method, url, token)) } : { Authorization: `Bearer ${token}` };
  };
  const cookieOptions = (maxAge?: number): CookieOptions => ({
    httpOnly: true,
    secure: options.secure ?? env('NODE_ENV') === 'production',
    sameSite: options.sameSite ?? 'lax',
    path: '/',
    ...(maxAge === undefined ? {} : { maxAge }),
  });
  const stored = options.cookies.get(names.refresh);
  /** What this request has learned; cookies may be read-only here, so it is the source of truth. */
  let current: { refresh?: string; access?: string; persistent: boolean } = {
    refresh: stored?.startsWith(SESSION_ONLY) ? stored.slice(SESSION_ONLY.length) : stored || undefined,
    access: options.cookies.get(names.access),
    persistent: !stored?.startsWith(SESSION_ONLY),
  };

  /** Writes the pair (or clears it); a session-only login keeps a browser-session refresh cookie. */
  function write(pair: Pair | null, persistent = current.persistent) {
    current = pair ? { refresh: pair.refreshToken, access: pair.jwt, persistent } : { persistent: true };
    if (!options.cookies.set) return;
    try {
      if (pair) {
        const accessSeconds = Math.max(0, Math.floor((expiresAt(pair.jwt) - Date.now()) / 1000));
        options.cookies.set(
          names.refresh,
          persistent ? pair.refreshToken : SESSION_ONLY + pair.refreshToken,
          cookieOptions(persistent ? 30 * 86400 : undefined)
        );
        options.cookies.set(names.access, pair.jwt, cookieOptions(accessSeconds));
      } else {
        options.cookies.set(names.refresh, '', cookieOptions(0));
        options.cookies.set(names.access, '', cookieOptions(0));
      }
    } catch {
      // An adapter whose set throws in this context: what it read stays the source of truth.
    }
  }

  /** Every request to Strapi: no caching, and the browser named when a secret is shared. */
  async function toStrapi(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const method = init.method ?? 'GET';
    for (const [name, value] of Object.entries(await clientHeaders(secret, options.client, { method, url }))) headers.set(name, value);
    return doFetch(url, { ...init, headers, cache: 'no-store' } as RequestInit);
  }

  async function call(path: string, body: unknown): Promise<Response> {
    try {
      // The refresh token in the JSON, whatever the plugin's `delivery`: this server keeps it.
      const headers = {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'X-Refresh-Token-Delivery': 'body',
        ...(await proof('POST', `${base}${path}`)),
      };
      return await toStrapi(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    } catch (error) {
      throw new StrapiUnavailableError(`Strapi is unreachable: ${(error as Error)?.message ?? error}`, 0);
    }
  }

  async function refreshOnce(refreshToken: string): Promise<RefreshOutcome> {
    const res = await call('/token/refresh', { refreshToken });
    if (res.ok) {
      const data = (await res.json()) as Pair;
      if (typeof data.refreshToken !== 'string') {
        throw new StrapiConfigError(NO_REFRESH_TOKEN);
      }
      return { pair: { jwt: data.jwt, refreshToken: data.refreshToken } };
    }
    if (res.status === 401) return { signedOut: true };
    throw new StrapiUnavailableError(`Strapi answered ${res.status} to a refresh`, res.status);
  }

  const sharedRefresh = (refreshToken: string) => refreshOncePerProcess(refreshToken, reuseWindow, refreshOnce);

  const auth = {
    /** Logs in (`POST /api/auth/local`), sets the cookies. */
    async login(
      identifier: string,
      password: string,
      opts: { rememberMe?: boolean } = {}
    ): Promise<{ ok: true; user: AuthUser } | { ok: false; status: number; message: string }> {
      const res = await call('/auth/local', { identifier, password, ...(opts.rememberMe === false ? { rememberMe: false } : {}) });
      const data = (await res.json().catch(() => ({}))) as {
        jwt?: string;
        refreshToken?: string;
        user?: AuthUser;
        error?: { message?: string };
      };
      if (!res.ok || !data.jwt) {
        if (res.status >= 500 || res.status === 429)
          throw new StrapiUnavailableError(`Strapi answered ${res.status} to a login`, res.status);
        return { ok: false, status: res.status, message: data.error?.message ?? 'Login failed' };
      }
      if (!data.refreshToken) return { ok: false, status: 502, message: NO_REFRESH_TOKEN };
      write({ jwt: data.jwt, refreshToken: data.refreshToken }, opts.rememberMe !== false);
      return { ok: true, user: data.user as AuthUser };
    },

    /**
     * Turns a legacy users-permissions JWT (no refresh token; the app enables
     * `legacyTokenExchange.enabled`) into a session held in this front end's cookies, once.
     */
    async exchangeLegacyToken(legacyJwt: string): Promise<{ ok: true; user: AuthUser } | { ok: false; status: number; message: string }> {
      let res: Response;
      try {
        const headers = {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-Refresh-Token-Delivery': 'body',
          Authorization: `Bearer ${legacyJwt}`,
          ...(await proof('POST', `${base}/token/exchange`)),
        };
        res = await toStrapi(`${base}/token/exchange`, { method: 'POST', headers, body: '{}' });
      } catch (error) {
        throw new StrapiUnavailableError(`Strapi is unreachable: ${(error as Error)?.message ?? error}`, 0);
      }
      const data = (await res.json().catch(() => ({}))) as {
        jwt?: string;
        refreshToken?: string;
        user?: AuthUser;
        error?: { message?: string };
      };
      if (res.status >= 500 || res.status === 429)
        throw new StrapiUnavailableError(`Strapi answered ${res.status} to a legacy token exchange`, res.status);
      if (!res.ok || !data.jwt || !data.refreshToken)
        return { ok: false, status: res.status, message: data.error?.message ?? NO_REFRESH_TOKEN };
      write({ jwt: data.jwt, refreshToken: data.refreshToken }, true);
      return { ok: true, user: data.user as AuthUser };
    },

    /**
     * A valid access token, refreshed when it is about to expire; null when signed out.
     * @throws StrapiUnavailableError when a needed refresh cannot reach Strapi (the session is kept).
     */
    async getAccessToken(): Promise<string | null> {
      if (current.access && expiresAt(current.access) - Date.now() > margin(current.access)) return current.access;
      if (!current.refresh) return null;
      let outcome: RefreshOutcome | undefined;
      if (options.cookies.set) outcome = await sharedRefresh(current.refresh);
      else {
        // Read-only here: join a refresh this process is doing or just did (the middleware's),
        // else use the access token while it lasts; never rotate a token the browser would not get.
        outcome = await refreshDoneOrRunning(current.refresh);
        if (!outcome && current.access && expiresAt(current.access) > Date.now()) return current.access;
        if (!outcome) throw new RefreshNeededError();
      }
      if ('signedOut' in outcome) {
        write(null);
        return null;
      }
      write(outcome.pair);
      return outcome.pair.jwt;
    },

    /** Refreshes if needed and writes the cookies: call it from middleware on every navigation. */
    async refreshIfNeeded(): Promise<boolean> {
      return (await auth.getAccessToken()) !== null;
    },

    /**
     * `fetch` to Strapi with the access token: a path (`/api/articles`, resolved against
     * `strapiUrl`) or a full URL. The token goes only to Strapi's own origin.
     */
    async fetch(input: string, init: RequestInit = {}): Promise<Response> {
      const target = /^[a-z][a-z\d+.-]*:/i.test(input)
        ? new URL(input)
        : new URL(strapiBase + (input.startsWith('/') ? input : `/${input}`));
      if (target.origin !== strapiOrigin) return doFetch(target.href, init);
      const token = await auth.getAccessToken();
      const headers = new Headers(init.headers);
      if (token)
        for (const [name, value] of Object.entries(await authorization(token, init.method ?? 'GET', target.href))) headers.set(name, value);
      return toStrapi(target.href, { ...init, headers });
    },

    /** The signed-in user (`GET /api/users/me`), or null. */
    async getUser(): Promise<AuthUser | null> {
      const token = await auth.getAccessToken();
      if (!token) return null;
      const res = await toStrapi(`${base}/users/me`, { headers: await authorization(token, 'GET', `${base}/users/me`) });
      if (res.status === 401) return null;
      if (!res.ok) throw new StrapiUnavailableError(`Strapi answered ${res.status} to /users/me`, res.status);
      return (await res.json()) as AuthUser;
    },

    /** Revokes the Strapi session and clears the cookies; `revoked` says whether Strapi confirmed. */
    async logout(): Promise<{ revoked: boolean }> {
      const refreshToken = current.refresh;
      write(null);
      if (!refreshToken) return { revoked: false };
      try {
        const res = await call('/token/logout', { refreshToken });
        return { revoked: res.ok };
      } catch {
        return { revoked: false };
      }
    },

    get signedIn(): boolean {
      return Boolean(current.refresh);
    },
  };
  return auth;
}

export type ServerAuth = ReturnType<typeof createServerAuth>;
