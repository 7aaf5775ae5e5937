import { AuthError } from './errors';
import { accessTokenExpiry, decodeJwt, defaultRefreshMargin, needsRefresh } from '../../contracts/src/jwt';
import { proofKeys } from './dpop';
import { createListeners, emit, subscribe } from './events';
import { settingsOf } from './options';
import { sessionsApi } from './sessions-api';
import { openTabs, type TabMessage } from './tabs';
import { createTransport } from './transport';
import type { AuthClient, AuthClientOptions, AuthResult, AuthUser, LogoutResult, RegisterInput } from './types';

type Status = 'unknown' | 'signedIn' | 'signedOut';

/**
 * Creates a client for a Strapi app running `strapi-plugin-refresh-token`.
 *
 * ```ts
 * const auth = createAuthClient({ baseURL: 'https://api.example.com' });
 * await auth.login('demo@example.com', 'Demo-Passw0rd!');
 * const res = await auth.fetch('/api/articles'); // Bearer attached, refreshed when needed
 * ```
 *
 * @param options - see {@link AuthClientOptions}.
 * @returns an {@link AuthClient}.
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const { delivery, storage, fetchImpl, credentials, crossTab, channelName, keepsBodyToken, origin, api, resolve, startTimeout } =
    settingsOf(options);

  // ---- state -------------------------------------------------------------------------------
  let status: Status = 'unknown';
  let token: string | null = null;
  let expiresAt: number | null = null;
  let margin = 0;
  let sid: string | null = null;
  let user: AuthUser | null = null;
  let refreshing: Promise<boolean> | null = null;
  let destroyed = false;
  /** The first restore of a fresh page, bounded by `startTimeout`. */
  let starting: Promise<string | null> | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** A cookie login happened in this page: a refresh that then sends no cookie means the browser dropped it. */
  let cookieLoginHere = false;

  const listeners = createListeners();

  const transport = createTransport(fetchImpl, credentials);
  // Sender-constrained sessions: the key that binds each login's session (./dpop.ts).
  const keys = options.dpop ? proofKeys(options.dpop, channelName, typeof document !== 'undefined', options.dpopKey) : null;
  /** The DPoP header for one request by the current session's key; none when unbound. */
  const proofHeader = async (method: string, url: string, accessToken?: string): Promise<Record<string, string>> => {
    const signer = await keys?.current();
    return signer ? { DPoP: await signer.sign(method, url, accessToken) } : {};
  };
  const tabs = openTabs(crossTab, channelName, onTabMessage);
  const post = (message: TabMessage) => tabs.post(message);

  function computeMargin(jwtLifespanMs: number): number {
    const m = options.refreshMargin;
    if (typeof m === 'number') return m;
    if (typeof m === 'function') return m(jwtLifespanMs);
    return defaultRefreshMargin(jwtLifespanMs);
  }

  /** Adopts an access token; returns whether the user behind it differs from the cached one. */
  function adopt(jwt: string, expiry: number | null): boolean {
    const claims = decodeJwt(jwt);
    token = jwt;
    expiresAt = expiry;
    margin =
      claims && typeof claims.exp === 'number' && typeof claims.iat === 'number' ? computeMargin((claims.exp - claims.iat) * 1000) : 0;
    sid = typeof claims?.sid === 'string' ? claims.sid : null;
    status = 'signedIn';
    const changed = user !== null && claims?.id !== undefined && String(claims.id) !== String(user.id);
    if (changed) user = null;
    return changed;
  }

  function clear() {
    token = null;
    expiresAt = null;
    sid = null;
    user = null;
    status = 'signedOut';
  }

  const isFresh = () => token !== null && !needsRefresh(expiresAt, margin, Date.now());

  async function forgetStoredToken() {
    if (!keepsBodyToken) return;
    try {
      await storage.remove();
    } catch {
      /* storage failures never block a sign-out */
    }
  }

  /** Local sign-out (after logout, logout-all, revoking the current session, or another tab's logout). */
  async function signOutLocally(broadcast: boolean) {
    const wasSignedIn = status === 'signedIn';
    clear();
    await forgetStoredToken();
    if (broadcast) await keys?.forget();
    if (broadcast) post({ type: 'logout' });
    if (wasSignedIn) emit(listeners.auth, { signedIn: false, user: null, reason: 'logout' });
  }

  /** The server refused the refresh token: the session is over. */
  async function sessionEnded(httpStatus: number, message: string | undefined, fromOtherTab: boolean) {
    const wasSignedIn = status === 'signedIn';
    clear();
    if (!fromOtherTab) await forgetStoredToken();
    if (wasSignedIn) {
      if (!fromOtherTab) post({ type: 'expired', status: httpStatus, message });
      emit(listeners.expired, { status: httpStatus, message, fromOtherTab });
      emit(listeners.auth, { signedIn: false, user: null, reason: 'expired' });
    }
  }

  // ---- cross-tab ---------------------------------------------------------------------------
  function onTabMessage(message: TabMessage) {
    if (destroyed) return;
    switch (message.type) {
      case 'token': {
        if (message.jwt === token) break;
        if (expiresAt !== null && message.expiresAt !== null && message.expiresAt < expiresAt) break; // older than ours
        const wasSignedIn = status === 'signedIn';
        const userChanged = adopt(message.jwt, message.expiresAt);
        if (message.user) user = message.user;
        tabs.peerSettled();
        if (!wasSignedIn) emit(listeners.auth, { signedIn: true, user, reason: 'restore' });
        else if (userChanged) emit(listeners.auth, { signedIn: true, user, reason: 'login' });
        emit(listeners.refresh, { expiresAt, fromOtherTab: true });
        break;
      }
      case 'hello':
        if (token && isFresh()) post({ type: 'token', jwt: token, expiresAt, user });
        break;
      case 'logout':
        tabs.peerSettled();
        void signOutLocally(false);
        break;
      case 'expired':
        tabs.peerSettled();
        void sessionEnded(message.status, message.message, true);
        break;
    }
  }

  // ---- refresh -----------------------------------------------------------------------------
  /**
   * One POST /token/refresh. true: new token held; false: the server refused (session over).
   * `probe`: a fresh page asking whether a cookie session exists; "none" is a 204, not a 400 in red.
   */
  async function refreshRequest(probe = false): Promise<boolean> {
    let body: Record<string, unknown> = probe && delivery !== 'body' ? { probe: true } : {};
    if (keepsBodyToken) {
      const stored = await storage.get();
      if (stored) body = { refreshToken: stored };
      else if (delivery === 'body') {
        await sessionEnded(400, 'No refresh token stored', false);
        return false;
      }
    }
    let sent: { response: Response; sentAt: number };
    try {
      sent = await transport.postRetrying(api('/token/refresh'), body, () => proofHeader('POST', api('/token/refresh')));
    } catch (error) {
      throw new AuthError(0, 'NetworkError', `Refresh failed: ${(error as Error)?.message ?? String(error)}`);
    }
    const { response, sentAt } = sent;
    const receivedAt = Date.now();
    if (response.status === 204) {
      await sessionEnded(204, 'No session', false); // no token came with the probe: signed out, quietly
      return false;
    }
    if (response.ok) {
      const data = (await response.json()) as { jwt: string; refreshToken?: string };
      if (keepsBodyToken && data.refreshToken) await storage.set(data.refreshToken);
      const wasSignedIn = status === 'signedIn';
      const userChanged = adopt(data.jwt, accessTokenExpiry(decodeJwt(data.jwt), sentAt, receivedAt));
      post({ type: 'token', jwt: data.jwt, expiresAt, user });
      if (!wasSignedIn) emit(listeners.auth, { signedIn: true, user, reason: 'restore' });
      else if (userChanged) emit(listeners.auth, { signedIn: true, user, reason: 'login' });
      emit(listeners.refresh, { expiresAt, fromOtherTab: false });
      return true;
    }
    if (response.status === 401 || response.status === 400) {
      const error = await AuthError.fromResponse(response);
      if (cookieLoginHere && response.status === 400 && /^Missing refresh token/.test(error.message)) warnCookieDropped();
      await sessionEnded(response.status, error.message, false);
      return false;
    }
    throw await AuthError.fromResponse(response);
  }

  /** The refresh cookie set at this page's login did not come back: say why, once, in the console. */
  function warnCookieDropped() {
    cookieLoginHere = false;
    const page = (globalThis as { location?: { origin?: string } }).location?.origin;
    console.warn(
      `[strapi-plugin-refresh-token] The refresh cookie set at login did not come back with the refresh request. ` +
        `This page (${page ?? 'unknown origin'}) and Strapi (${origin()}) are probably different sites — localhost and 127.0.0.1 are — ` +
        `and the browser keeps a SameSite=Lax cookie from cross-site requests. Open both under the same host name.`
    );
  }

  /** Refresh unless someone (a concurrent call, another tab) already replaced `stale` with a fresh token. */
  async function coordinatedRefresh(stale: string | null, force: boolean, probe = false): Promise<boolean> {
    const run = async () => {
      if (!force && token !== null && token !== stale && isFresh()) return true;
      if (!force && status === 'signedOut') return false;
      return refreshRequest(probe);
    };
    return tabs.exclusively(run, () => force || token === null || token === stale || !isFresh());
  }

  /** Single flight: every caller during a refresh gets the same promise. */
  function sharedRefresh(stale: string | null, force = false, probe = false): Promise<boolean> {
    if (!refreshing) {
      refreshing = coordinatedRefresh(stale, force, probe).finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  /** A token good for the next request, or null when signed out. */
  async function ensureToken(): Promise<string | null> {
    if (destroyed) throw new Error('AuthClient was destroyed');
    if (refreshing) await refreshing.catch(() => undefined);
    if (status === 'signedOut') return null;
    if (token && isFresh()) return token;
    if (!token && status === 'unknown') {
      await tabs.askPeers(() => token !== null);
      if (token && isFresh()) return token;
      return restoreOnStart();
    }
    const stale = token;
    try {
      const ok = await sharedRefresh(stale);
      return ok ? token : null;
    } catch (error) {
      // Transient failure (network, 429, 5xx): a token that has not quite expired is still worth sending.
      if (stale && expiresAt !== null && Date.now() < expiresAt && token === stale) return stale;
      throw error;
    }
  }

  /** Strapi did not answer the first restore: signed out for now, retried in the background until it does. */
  function unavailable() {
    if (status !== 'unknown') return;
    status = 'signedOut';
    emit(listeners.auth, { signedIn: false, user: null, reason: 'unavailable' });
    retryInBackground(1000);
  }
  function retryInBackground(delayMs: number) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(async () => {
      if (destroyed || status === 'signedIn' || token !== null) return;
      try {
        await sharedRefresh(null, true, true); // signs in ('restore') on success; a 204/400/401 ends the retries
      } catch {
        retryInBackground(Math.min(delayMs * 2, 30_000));
      }
    }, delayMs);
    (retryTimer as { unref?: () => void }).unref?.();
  }

  /**
   * A fresh page's first question: is there a session to restore? Settles within `startTimeout`:
   * when Strapi cannot be reached (network, 429, 5xx, no answer), to signed out ('unavailable').
   */
  function restoreOnStart(): Promise<string | null> {
    starting ??= new Promise<string | null>((settle) => {
      const timer = setTimeout(() => {
        unavailable();
        settle(null);
      }, startTimeout);
      sharedRefresh(null, false, true).then(
        (ok) => {
          clearTimeout(timer);
          settle(ok ? token : null);
        },
        () => {
          clearTimeout(timer);
          unavailable();
          settle(null);
        }
      );
    });
    return starting;
  }

  function sameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === new URL(origin()).origin;
    } catch {
      return false;
    }
  }
  const shouldAttach = (url: string) => options.attachToAllOrigins === true || sameOrigin(url);

  async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const target = typeof input === 'string' ? resolve(input) : input instanceof URL ? input.href : input;
    const request = new Request(target, { credentials: init?.credentials ?? credentials, ...init });
    const attach = shouldAttach(request.url) && !request.headers.has('authorization');
    const send = async (bearer: string | null) => {
      const attempt = request.clone();
      // A bound session's token goes to Strapi as `Authorization: DPoP` with a proof of its key.
      const proof =
        bearer && decodeJwt(bearer)?.cnf && sameOrigin(request.url) ? await proofHeader(request.method, request.url, bearer) : {};
      if (bearer) attempt.headers.set('Authorization', `${proof.DPoP ? 'DPoP' : 'Bearer'} ${bearer}`);
      if (proof.DPoP) attempt.headers.set('DPoP', proof.DPoP);
      return fetchImpl(attempt);
    };
    if (!attach) return fetchImpl(request);

    const used = await ensureToken();
    const response = await send(used);
    if (response.status !== 401 || used === null) return response;

    // 401 with a token: it died early (clock, revocation in strict mode, new secret). Refresh once, retry once.
    let ok: boolean;
    try {
      ok = token !== null && token !== used && isFresh() ? true : await sharedRefresh(used);
    } catch {
      return response;
    }
    if (!ok || !token) return response;
    return send(token);
  }

  async function readAuthResponse(response: Response, sentAt: number, reason: 'login' | 'register' | 'exchange'): Promise<AuthResult> {
    if (!response.ok) throw await AuthError.fromResponse(response);
    const data = (await response.json()) as { jwt?: string; user: AuthUser; refreshToken?: string };
    if (!data.jwt) return { user: data.user, signedIn: false }; // registration waiting for email confirmation
    if (keepsBodyToken && data.refreshToken) await storage.set(data.refreshToken);
    adopt(data.jwt, accessTokenExpiry(decodeJwt(data.jwt), sentAt, Date.now()));
    user = data.user;
    cookieLoginHere = !data.refreshToken && typeof document !== 'undefined';
    clearTimeout(retryTimer);
    post({ type: 'token', jwt: data.jwt, expiresAt, user });
    emit(listeners.auth, { signedIn: true, user, reason });
    return { user: data.user, signedIn: true };
  }

  const post_ = (path: string, body: unknown, headers?: Record<string, string>) => transport.post(api(path), body, headers);

  /** A request that makes a session (login, register, exchange): with a new key's proof, kept if it succeeds. */
  async function signIn(path: string, body: unknown, reason: 'login' | 'register' | 'exchange', headers: Record<string, string> = {}) {
    if (refreshing) await refreshing.catch(() => undefined);
    const signer = await keys?.forLogin();
    const proof: Record<string, string> = signer ? { DPoP: await signer.sign('POST', api(path)) } : {};
    const sentAt = Date.now();
    const result = await readAuthResponse(await post_(path, body, { ...headers, ...proof }), sentAt, reason);
    if (signer && result.signedIn) await keys!.keep(signer);
    return result;
  }

  const client: AuthClient = {
    login(identifier, password, opts = {}) {
      const body = opts.rememberMe === false ? { identifier, password, rememberMe: false } : { identifier, password };
      return signIn('/auth/local', body, 'login');
    },

    register: (input: RegisterInput) => signIn('/auth/local/register', input, 'register'),

    exchangeLegacyToken: (legacyJwt: string) => signIn('/token/exchange', {}, 'exchange', { Authorization: `Bearer ${legacyJwt}` }),

    async logout(): Promise<LogoutResult> {
      if (refreshing) await refreshing.catch(() => undefined);
      let result: LogoutResult;
      try {
        const stored = keepsBodyToken ? await storage.get() : null;
        const proof = await proofHeader('POST', api('/token/logout'));
        const response = stored
          ? await post_('/token/logout', { refreshToken: stored }, proof)
          : delivery !== 'body'
            ? await post_('/token/logout', {}, proof)
            : null;
        if (!response) result = { revoked: false, error: 'No refresh token stored' };
        else if (response.ok) result = { revoked: true };
        else result = { revoked: false, error: (await AuthError.fromResponse(response)).message };
      } catch (error) {
        // Offline: the local sign-out still happens, and the caller learns the session may live on.
        result = { revoked: false, error: (error as Error)?.message ?? String(error) };
      }
      await signOutLocally(true);
      return result;
    },

    refresh() {
      return sharedRefresh(token, true);
    },

    ...sessionsApi({
      authFetch,
      api,
      currentSessionId: () => sid,
      signOutLocally: () => signOutLocally(true),
      logout: () => client.logout(),
    }),

    async getUser(opts = {}) {
      if (user && !opts.force && status === 'signedIn') return user;
      const bearer = await ensureToken();
      if (!bearer) return null;
      const response = await authFetch(api('/users/me'), { headers: { Accept: 'application/json' } });
      if (response.status === 401) return null;
      if (!response.ok) throw await AuthError.fromResponse(response);
      user = (await response.json()) as AuthUser;
      return user;
    },

    getAccessToken: ensureToken,
    fetch: authFetch,

    onAuthChange: (listener) => subscribe(listeners.auth, listener),
    onSessionExpired: (listener) => subscribe(listeners.expired, listener),
    onTokenRefresh: (listener) => subscribe(listeners.refresh, listener),

    get isSignedIn() {
      return status === 'signedIn' && token !== null;
    },
    get accessTokenExpiresAt() {
      return expiresAt;
    },
    get sessionId() {
      return sid;
    },

    destroy() {
      destroyed = true;
      clearTimeout(retryTimer);
      tabs.close();
      Object.values(listeners).forEach((set) => set.clear());
    },
  };
  return client;
}
