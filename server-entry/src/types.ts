/** What the server entry is given and gives: options, the framework's cookie adapter, the browser's identity. */
export interface CookieOptions {
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  path: string;
  /** Seconds; absent: a browser-session cookie. */
  maxAge?: number;
}

/** Reads the request's cookies and, where the framework allows it in this context, writes the response's. */
export interface CookieAdapter {
  get(name: string): string | undefined;
  /**
   * Leave it out where cookies cannot be written (a Next.js server component): there the entry
   * only reads, and never rotates a token it could not hand back to the browser.
   */
  set?(name: string, value: string, options: CookieOptions): void;
}

/** The browser behind this request, as the front end's server knows it. */
export interface ClientIdentity {
  /** The browser's IP, from the header your proxy (or framework) sets: see docs/ssr.md. */
  ip?: string;
  userAgent?: string;
}

export interface ServerAuthOptions {
  /** Strapi's base URL, e.g. `http://127.0.0.1:1337`. */
  strapiUrl: string;
  cookies: CookieAdapter;
  /** The content-API prefix. Default `/api`. */
  apiPrefix?: string;
  /** Cookie names. Default `strapi_rt` (refresh token) and `strapi_at` (access token). */
  cookieNames?: { refresh?: string; access?: string };
  /** Secure cookies. Default: `NODE_ENV === 'production'`. */
  secure?: boolean;
  sameSite?: 'lax' | 'strict';
  /** Refresh when the access token has less than this many ms left. Default: a quarter of its lifespan, at most 30 s. */
  refreshMarginMs?: number;
  /** How long a refreshed pair is remembered for requests still carrying the old cookie. Default 10 s, the plugin's grace period. */
  reuseWindowMs?: number;
  /** The browser behind this request, named to Strapi when a proxy secret is set. */
  client?: ClientIdentity;
  /** Secret shared with Strapi (at least 16 characters). Default: the REFRESH_TOKEN_PROXY_SECRET environment variable. */
  /**
   * Sender-constrained sessions (DPoP): the front end's private key (a JWK as JSON or an object, a
   * PKCS#8 PEM, or a CryptoKeyPair), shared by all its instances. Every session made here is bound
   * to it (the plugin's `senderConstraint` must not be 'off'). Default: REFRESH_TOKEN_DPOP_KEY.
   */
  dpopKey?: string | JsonWebKey | CryptoKeyPair;
  proxySecret?: string;
  fetch?: typeof fetch;
}

export interface AuthUser {
  id: number;
  email?: string;
  username?: string;
  [field: string]: unknown;
}
