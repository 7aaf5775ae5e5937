import { AuthError } from './errors';
import { accessTokenExpiry, decodeJwt, defaultRefreshMargin, needsRefresh } from '../../contracts/src/jwt';
import { memoryStorage } from './storage';
import type {
  AuthChangeEvent,
  AuthClient,
  AuthClientOptions,
  AuthResult,
  AuthUser,
  LogoutResult,
  RegisterInput,
  SessionExpiredEvent,
  SessionInfo,
  TokenRefreshEvent,
} from './types';

type Status = 'unknown' | 'signedIn' | 'signedOut';

/** Messages between tabs. The access token crosses tabs in memory only (BroadcastChannel). */
type TabMessage =
  | { type: 'token'; jwt: string; expiresAt: number | null; user: AuthUser | null }
  | { type: 'hello' }
  | { type: 'refreshing' }
  | { type: 'logout' }
  | { type: 'expired'; status: number; message?: string };

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };
/** How long a tab holds the refresh lock after sharing its token, so peers read it before they get the lock. */
const LOCK_SETTLE_MS = 30;
/** How long a new tab waits for a peer to share its token before refreshing itself. */
const PEER_WAIT_MS = 150;
/** Without Web Locks: how long to wait for a peer's announced refresh before doing our own. */
const PEER_REFRESH_WAIT_MS = 10_000;
/** 503 (the server's session store is down) and 429 mean "try again", never "signed out". */
const RETRY_STATUSES = new Set([429, 503]);
const MAX_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 2000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Whether this runtime's own fetch keeps cookies: a page, a web worker or React Native do;
 * Node, Deno, Bun and edge runtimes do not.
 */
function runtimeKeepsCookies(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown; navigator?: { product?: string } };
  return g.document !== undefined || g.WorkerGlobalScope !== undefined || g.navigator?.product === 'ReactNative';
}
const isAbsolute = (url: string) => /^[a-z][a-z\d+\-.]*:/i.test(url);

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
  if (!options || typeof options.baseURL !== 'string') throw new TypeError('createAuthClient: baseURL (string) is required');
  const delivery = options.delivery ?? 'cookie';
  if (!['cookie', 'body', 'both'].includes(delivery)) throw new TypeError(`createAuthClient: unknown delivery "${String(delivery)}"`);
  if (delivery === 'cookie' && !options.fetch && !runtimeKeepsCookies()) {
    // Login would work, then every refresh would fail and logout would leave the session live.
    throw new TypeError(
      "createAuthClient: this runtime's fetch keeps no cookies, so delivery 'cookie' cannot work here. " +
        "Use delivery: 'body' (and the plugin's delivery 'body' or 'both'), or pass a fetch with a cookie jar."
    );
  }
  const storage = options.storage ?? memoryStorage();
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const credentials = options.credentials ?? 'include';
  const apiPrefix = (options.apiPrefix ?? '/api').replace(/\/+$/, '');
  const baseURL = options.baseURL.replace(/\/+$/, '');
  const crossTab = options.crossTab ?? typeof window !== 'undefined';
  const channelName = options.channelName ?? `strapi-refresh-token:${baseURL}`;
  const keepsBodyToken = delivery !== 'cookie';

  const origin = (): string => {
    if (baseURL) return baseURL;
    const location = (globalThis as { location?: { origin?: string } }).location;
    if (location?.origin) return location.origin;
    throw new TypeError('createAuthClient: baseURL "" needs a browser page (location.origin)');
  };
  const api = (path: string) => `${origin()}${apiPrefix}${path}`;
  const resolve = (input: string) => (isAbsolute(input) ? input : `${origin()}${input.startsWith('/') ? '' : '/'}${input}`);

  // ---- state -------------------------------------------------------------------------------
  let status: Status = 'unknown';
  let token: string | null = null;
  let expiresAt: number | null = null;
  let margin = 0;
  let sid: string | null = null;
  let user: AuthUser | null = null;
  let refreshing: Promise<boolean> | null = null;
  let peerRefreshing: Promise<void> | null = null;
  let peerSettled: (() => void) | null = null;
  let destroyed = false;

  const authListeners = new Set<(e: AuthChangeEvent) => void>();
  const expiredListeners = new Set<(e: SessionExpiredEvent) => void>();
  const refreshListeners = new Set<(e: TokenRefreshEvent) => void>();

  function emit<T>(listeners: Set<(e: T) => void>, event: T) {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        // A throwing listener must not break the client; report it the way an event handler would.
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }

  const locks: LockManagerLike | null = crossTab
    ? ((globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks ?? null)
    : null;
  const channel: BroadcastChannel | null = crossTab && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(channelName) : null;
  const post = (message: TabMessage) => {
    try {
      channel?.postMessage(message);
    } catch {
      /* channel closed */
    }
  };

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
    if (broadcast) post({ type: 'logout' });
    if (wasSignedIn) emit(authListeners, { signedIn: false, user: null, reason: 'logout' });
  }

  /** The server refused the refresh token: the session is over. */
  async function sessionEnded(httpStatus: number, message: string | undefined, fromOtherTab: boolean) {
    const wasSignedIn = status === 'signedIn';
    clear();
    if (!fromOtherTab) await forgetStoredToken();
    if (wasSignedIn) {
      if (!fromOtherTab) post({ type: 'expired', status: httpStatus, message });
      emit(expiredListeners, { status: httpStatus, message, fromOtherTab });
      emit(authListeners, { signedIn: false, user: null, reason: 'expired' });
    }
  }

  // ---- cross-tab ---------------------------------------------------------------------------
  if (channel) {
    channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data;
      if (destroyed || !message || typeof message !== 'object') return;
      switch (message.type) {
        case 'token': {
          if (message.jwt === token) break;
          if (expiresAt !== null && message.expiresAt !== null && message.expiresAt < expiresAt) break; // older than ours
          const wasSignedIn = status === 'signedIn';
          const userChanged = adopt(message.jwt, message.expiresAt);
          if (message.user) user = message.user;
          peerSettled?.();
          if (!wasSignedIn) emit(authListeners, { signedIn: true, user, reason: 'restore' });
          else if (userChanged) emit(authListeners, { signedIn: true, user, reason: 'login' });
          emit(refreshListeners, { expiresAt, fromOtherTab: true });
          break;
        }
        case 'hello':
          if (token && isFresh()) post({ type: 'token', jwt: token, expiresAt, user });
          break;
        case 'refreshing':
          if (!peerRefreshing) {
            peerRefreshing = new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, PEER_REFRESH_WAIT_MS);
              peerSettled = () => {
                clearTimeout(timer);
                resolve();
              };
            }).finally(() => {
              peerRefreshing = null;
              peerSettled = null;
            });
          }
          break;
        case 'logout':
          peerSettled?.();
          void signOutLocally(false);
          break;
        case 'expired':
          peerSettled?.();
          void sessionEnded(message.status, message.message, true);
          break;
      }
    };
  }

  /** A new tab asks the others for their access token instead of rotating the session again. */
  async function askPeers(): Promise<void> {
    if (!channel) return;
    post({ type: 'hello' });
    const deadline = Date.now() + PEER_WAIT_MS;
    while (Date.now() < deadline && !token) await sleep(10);
  }

  // ---- refresh -----------------------------------------------------------------------------
  /** One POST /token/refresh. true: new token held; false: the server refused (session over). */
  async function refreshRequest(): Promise<boolean> {
    let body: Record<string, string> = {};
    if (keepsBodyToken) {
      const stored = await storage.get();
      if (stored) body = { refreshToken: stored };
      else if (delivery === 'body') {
        await sessionEnded(400, 'No refresh token stored', false);
        return false;
      }
    }
    let sentAt = Date.now();
    let response: Response;
    for (let attempt = 0; ; attempt++) {
      sentAt = Date.now();
      try {
        response = await fetchImpl(api('/token/refresh'), {
          method: 'POST',
          headers: JSON_HEADERS,
          body: JSON.stringify(body),
          credentials,
        });
      } catch (error) {
        throw new AuthError(0, 'NetworkError', `Refresh failed: ${(error as Error)?.message ?? String(error)}`);
      }
      if (!RETRY_STATUSES.has(response.status) || attempt >= MAX_RETRIES) break;
      // Bounded backoff: Retry-After when given, capped, so a caller never waits more than a few seconds.
      const retryAfter = Number(response.headers.get('retry-after'));
      await sleep(Math.min(MAX_RETRY_WAIT_MS, retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt));
    }
    const receivedAt = Date.now();
    if (response.ok) {
      const data = (await response.json()) as { jwt: string; refreshToken?: string };
      if (keepsBodyToken && data.refreshToken) await storage.set(data.refreshToken);
      const wasSignedIn = status === 'signedIn';
      const userChanged = adopt(data.jwt, accessTokenExpiry(decodeJwt(data.jwt), sentAt, receivedAt));
      post({ type: 'token', jwt: data.jwt, expiresAt, user });
      if (!wasSignedIn) emit(authListeners, { signedIn: true, user, reason: 'restore' });
      else if (userChanged) emit(authListeners, { signedIn: true, user, reason: 'login' });
      emit(refreshListeners, { expiresAt, fromOtherTab: false });
      return true;
    }
    if (response.status === 401 || response.status === 400) {
      const error = await AuthError.fromResponse(response);
      await sessionEnded(response.status, error.message, false);
      return false;
    }
    throw await AuthError.fromResponse(response);
  }

  /** Refresh unless someone (a concurrent call, another tab) already replaced `stale` with a fresh token. */
  async function coordinatedRefresh(stale: string | null, force: boolean): Promise<boolean> {
    const run = async () => {
      if (!force && token !== null && token !== stale && isFresh()) return true;
      if (!force && status === 'signedOut') return false;
      return refreshRequest();
    };
    if (locks) {
      return new Promise<boolean>((resolveResult, reject) => {
        locks
          .request(channelName, async () => {
            try {
              const ok = await run();
              resolveResult(ok);
              // Let the shared token reach the other tabs before they get the lock.
              if (ok && channel) await sleep(LOCK_SETTLE_MS);
            } catch (error) {
              reject(error);
            }
          })
          .catch(reject);
      });
    }
    if (channel) {
      if (peerRefreshing) await peerRefreshing;
      if (!force && token !== null && token !== stale && isFresh()) return true;
      post({ type: 'refreshing' });
    }
    return run();
  }

  /** Single flight: every caller during a refresh gets the same promise. */
  function sharedRefresh(stale: string | null, force = false): Promise<boolean> {
    if (!refreshing) {
      refreshing = coordinatedRefresh(stale, force).finally(() => {
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
      await askPeers();
      if (token && isFresh()) return token;
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

  function shouldAttach(url: string): boolean {
    if (options.attachToAllOrigins) return true;
    try {
      return new URL(url).origin === new URL(origin()).origin;
    } catch {
      return false;
    }
  }

  async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const target = typeof input === 'string' ? resolve(input) : input instanceof URL ? input.href : input;
    const request = new Request(target, { credentials: init?.credentials ?? credentials, ...init });
    const attach = shouldAttach(request.url) && !request.headers.has('authorization');
    const send = (bearer: string | null) => {
      const attempt = request.clone();
      if (bearer) attempt.headers.set('Authorization', `Bearer ${bearer}`);
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
    post({ type: 'token', jwt: data.jwt, expiresAt, user });
    emit(authListeners, { signedIn: true, user, reason });
    return { user: data.user, signedIn: true };
  }

  async function post_(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    try {
      return await fetchImpl(api(path), {
        method: 'POST',
        headers: { ...JSON_HEADERS, ...headers },
        body: JSON.stringify(body),
        credentials,
      });
    } catch (error) {
      throw new AuthError(0, 'NetworkError', (error as Error)?.message ?? String(error));
    }
  }

  const client: AuthClient = {
    async login(identifier, password, opts = {}) {
      if (refreshing) await refreshing.catch(() => undefined);
      const sentAt = Date.now();
      const body = opts.rememberMe === false ? { identifier, password, rememberMe: false } : { identifier, password };
      return readAuthResponse(await post_('/auth/local', body), sentAt, 'login');
    },

    async register(input: RegisterInput) {
      if (refreshing) await refreshing.catch(() => undefined);
      const sentAt = Date.now();
      return readAuthResponse(await post_('/auth/local/register', input), sentAt, 'register');
    },

    async exchangeLegacyToken(legacyJwt: string) {
      if (refreshing) await refreshing.catch(() => undefined);
      const sentAt = Date.now();
      return readAuthResponse(await post_('/token/exchange', {}, { Authorization: `Bearer ${legacyJwt}` }), sentAt, 'exchange');
    },

    async logout(): Promise<LogoutResult> {
      if (refreshing) await refreshing.catch(() => undefined);
      let result: LogoutResult;
      try {
        const stored = keepsBodyToken ? await storage.get() : null;
        const response = stored
          ? await post_('/token/logout', { refreshToken: stored })
          : delivery !== 'body'
            ? await post_('/token/logout', {})
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

    async logoutAll() {
      const response = await authFetch(api('/token/logout-all'), { method: 'POST', headers: JSON_HEADERS, body: '{}' });
      const error = response.ok ? null : await AuthError.fromResponse(response);
      await signOutLocally(true);
      if (error) throw error;
    },

    async logoutOthers() {
      const response = await authFetch(api('/token/logout-others'), { method: 'POST', headers: JSON_HEADERS, body: '{}' });
      if (!response.ok) throw await AuthError.fromResponse(response);
      return ((await response.json()) as { revoked: number }).revoked;
    },

    refresh() {
      return sharedRefresh(token, true);
    },

    async sessions() {
      const response = await authFetch(api('/token/sessions'), { headers: { Accept: 'application/json' } });
      if (!response.ok) throw await AuthError.fromResponse(response);
      return ((await response.json()) as { data: SessionInfo[] }).data;
    },

    async revokeSession(id: string) {
      const current = id === sid;
      const response = await authFetch(api(`/token/sessions/${encodeURIComponent(id)}`), {
        method: 'DELETE',
        headers: { Accept: 'application/json' },
      });
      if (!response.ok) throw await AuthError.fromResponse(response);
      if (current) await client.logout(); // also clears the cookie
    },

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

    onAuthChange(listener) {
      authListeners.add(listener);
      return () => authListeners.delete(listener);
    },
    onSessionExpired(listener) {
      expiredListeners.add(listener);
      return () => expiredListeners.delete(listener);
    },
    onTokenRefresh(listener) {
      refreshListeners.add(listener);
      return () => refreshListeners.delete(listener);
    },

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
      channel?.close();
      authListeners.clear();
      expiredListeners.clear();
      refreshListeners.clear();
      peerSettled?.();
    },
  };
  return client;
}
